"""Take docs/chat.png: the chat page answering a real question, in Debian's headless Chromium.

    .venv/bin/python tools/screenshot_chat.py [--question TEXT] [--output docs/chat.png]

Needs the test extra (Playwright) and /usr/bin/chromium; serves the bundled articles on a free loopback port.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from assistant import create_app
from assistant.config import bundled_dir
from assistant.web.server import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--question", default="Which nerve supplies the iliacus?")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "chat.png")
    options = parser.parse_args()
    if not CHROMIUM.is_file():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"CORPUS": str(bundled_dir("corpus")), "INDEX": str(Path(scratch) / "index.npz"),
                          "DATABASE_URL": f"sqlite:///{scratch}/feedback.db"})
        app.extensions["assistant"].get()
        with serve_in_thread(app) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1100, "height": 960})
            page.goto(url)
            page.get_by_label("Your question").fill(options.question)
            page.get_by_label("Your question").press("Enter")
            page.locator(".from-assistant").first.wait_for(timeout=15_000)
            page.screenshot(path=str(options.output), full_page=False)
            browser.close()
    print(f"wrote {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
