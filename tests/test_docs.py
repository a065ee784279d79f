"""The docs stay a product's docs: README a short front page, every relative link a file, no development diary."""
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAX_README_LINES = 210
# Pages written elsewhere and linked before they land; a link to one of these may not resolve yet.

# Words of a development diary rather than a product's docs. "InferenceSession" (onnxruntime's class) is
# no diary word: only the word standing alone counts.
DIARY = re.compile(
    r"\bsessions?\b|\bissues?\b|\bhelpers?\b|\bthis change\b|\btried and dropped\b|\bprevious run\b"
    # a short commit hash: 7-12 hex digits with both a letter and a digit (a sha256 is longer, so not matched)
    r"|\b(?=[0-9a-f]{0,11}[a-f])(?=[0-9a-f]{0,11}[0-9])[0-9a-f]{7,12}\b|\bcommit\W{1,3}[0-9a-f]{7,40}\b",
    re.IGNORECASE)
# [text](target) and <a href="target">, with a relative target
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|href=\"([^\"]+)\"")


def pages() -> list[Path]:
    return [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)  # code is not links
    targets = [a or b for a, b in LINK.findall(text)]
    return [t for t in targets if not urlsplit(t).scheme and not t.startswith(("#", "//", "mailto:"))]


def test_readme_is_a_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README has {len(lines)} lines; move reference material to docs/"


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_is_a_file(page):
    for target in relative_links(page):
        path = (page.parent / unquote(urlsplit(target).path)).resolve()
        assert path.is_file() or target.endswith("/") and path.is_dir(), \
            f"{page.relative_to(ROOT)} links to {target}, which is not a file"
        fragment = urlsplit(target).fragment
        if fragment and path.suffix == ".md":
            assert fragment in anchors(path), f"{page.relative_to(ROOT)} links to {target}: no such heading"


def anchors(page: Path) -> set[str]:
    """Return the anchors of a Markdown page's headings, as GitHub makes them ("## Chat clients (x)" -> chat-clients-x)."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL),
                          flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", [README, *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda page: str(page.relative_to(ROOT)))
def test_docs_describe_the_product_not_its_history(page):
    found = [(number, match.group(0)) for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
             for match in DIARY.finditer(line)]
    assert not found, f"{page.relative_to(ROOT)}: development-history words at (line, word) {found}"


def test_readme_reaches_every_docs_page_in_one_click():
    linked = {(README.parent / urlsplit(t).path).resolve() for t in relative_links(README)}
    unlinked = [p.name for p in (ROOT / "docs").glob("*.md") if p.resolve() not in linked]
    assert not unlinked, f"README does not link {unlinked}"


def test_the_diary_check_finds_what_it_is_for():
    """The check above must be able to fail: each diary form is caught, product words are not."""
    for diary in ["as this session found it", "the issue offered", "a helper wrote", "before this change",
                  "commit `7016472`", "the engine at 6f744c0", "tried and dropped", "from the previous run"]:
        assert DIARY.search(diary), diary
    for product in ["onnxruntime's InferenceSession", "sha256 2d3757f950bbd64846ae9e1c516ab0d8e45330b360bdfe97e1b2d47ac36bf62d",
                    "15,809 documents", "decade", "a feedback report"]:
        assert not DIARY.search(product), product
