"""Browser fixtures: the real server on a loopback port, and pages of Debian's headless Chromium.

Every page aborts and records any request that is not to this machine; a test fails if one was made.
"""
from __future__ import annotations

import os
import shutil
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant import create_app
from assistant.web.server import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# An article whose title and text carry markup that must stay text on the page.
PROBE = """Quokka pose <img src=x onerror="window.__xss='title'">
The quokka pose is a made-up position used to test this page. <script>window.__xss='text'</script>
Hold the quokka pose <img src=x onerror="window.__xss='image'"> and breathe out.
Breathing <b onclick="window.__xss='heading'">out</b>
Breathe out slowly through the mouth while you hold the quokka pose.
"""


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Return Debian's Chromium, or skip (fail when ASSISTANT_REQUIRE_BROWSER=1) if it is not installed."""
    if not CHROMIUM.is_file():
        reason = f"no browser: {CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("ASSISTANT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and ASSISTANT_REQUIRE_BROWSER=1 makes the browser tests mandatory")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    """A headless Chromium driven by Playwright, for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def contact() -> str:
    """The owner's contact line the live server adds after the urgent-care and fallback texts."""
    return "Call the clinic on 0123 456 789."


@pytest.fixture(scope="session")
def live_url(corpus_dir, tmp_path_factory, contact) -> str:
    """Serve the bundled articles plus the markup probe with waitress on a free loopback port."""
    corpus = tmp_path_factory.mktemp("browser") / "corpus"
    shutil.copytree(corpus_dir, corpus)
    (corpus / "quokka-probe.txt").write_text(PROBE, encoding="utf-8")
    with open(corpus / "sources.toml", "a", encoding="utf-8") as manifest:
        manifest.write('\n["quokka-probe.txt"]\nurl = "javascript:window.__xss=\'url\'"\n')
    app = create_app({"CORPUS": str(corpus), "INDEX": str(corpus.parent / "index.npz"), "RATELIMIT_ENABLED": False,
                      "CONTACT": contact})
    app.extensions["assistant"].get()
    with serve_in_thread(app) as url:
        yield url


class Visit:
    """A page of the chat plus what went wrong around it: requests leaving the machine, script errors."""

    def __init__(self, page):
        self.page = page
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._only_local)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _only_local(self, route):
        """Let requests to this machine through; abort and record any other."""
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def screenshot(self, name: str) -> None:
        """Save a screenshot to tests/browser/screenshots/NAME.png."""
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_chat(browser, url: str, viewport: dict):
    """Open the chat in a fresh context of the given size; yield the Visit; check it on the way out."""
    context = browser.new_context(viewport=viewport)
    visit = Visit(context.new_page())
    visit.page.goto(url)
    yield visit
    context.close()
    assert visit.outside == [], f"requests left localhost: {visit.outside}"
    assert visit.errors == [], f"errors in the page: {visit.errors}"


@pytest.fixture
def chat(browser, live_url):
    """The chat page at desktop width."""
    yield from open_chat(browser, live_url, DESKTOP)


@pytest.fixture
def phone_chat(browser, live_url):
    """The chat page at phone width (390 px)."""
    yield from open_chat(browser, live_url, PHONE)


@pytest.fixture
def open_page(browser):
    """Return a function that opens a URL of the chat (a link with a query, say) at desktop width, or the viewport
    given, and returns its Visit."""
    with ExitStack() as pages:
        yield lambda url, viewport=DESKTOP: pages.enter_context(contextmanager(open_chat)(browser, url, viewport))


@pytest.fixture(params=[("phone", PHONE), ("desktop", DESKTOP)], ids=["phone", "desktop"])
def each_width(request, browser, live_url):
    """The chat page at phone width, then at desktop width (the test runs once for each); `.width` names it."""
    for visit in open_chat(browser, live_url, request.param[1]):
        visit.width = request.param[0]
        yield visit
