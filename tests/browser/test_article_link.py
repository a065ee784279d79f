"""The chat page opens the article a link names (/?source=ID&start=N&end=N), as /v1/ replies' citations do."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from assistant.web.openai_compat import MODEL

pytestmark = pytest.mark.browser

TIMEOUT = 10_000  # ms: only bounds a broken page


def first_citation(live_url: str) -> tuple[str, dict]:
    """Ask /v1/chat/completions; return its reply's first citation link and the passage it cites."""
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "How do I stretch my hip flexors?"}]})
    request = urllib.request.Request(live_url + "v1/chat/completions", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        completion = json.loads(response.read())
    link = re.search(r"\]\((http[^)]+)\)", completion["choices"][0]["message"]["content"]).group(1)
    return link, completion["result"]["passages"][0]


def test_a_citation_link_opens_the_article_at_the_passage(open_page, live_url):
    link, passage = first_citation(live_url)
    visit = open_page(link)
    page = visit.page
    dialog = page.locator("dialog#article")
    cited = dialog.locator("mark.cited")
    cited.first.wait_for(timeout=TIMEOUT)
    assert dialog.evaluate("d => d.open")
    assert page.locator("#article-title").inner_text() == passage["citation"]["title"]
    assert " ".join(" ".join(cited.all_inner_texts()).split()) == passage["text"]
    expect(cited.first).to_be_in_viewport()  # scrolled to, inside the reader's own scrolling box
    assert page.evaluate("document.activeElement.classList.contains('cited')")
    visit.screenshot("article-link-desktop")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "question"  # the chat is ready to ask


def test_a_link_without_offsets_opens_the_article_unmarked(open_page, live_url):
    link, passage = first_citation(live_url)
    page = open_page(link.split("&")[0]).page  # /?source=ID alone
    page.locator("#article-text p:not(.status)").first.wait_for(timeout=TIMEOUT)  # the article, not "Opening…"
    assert page.locator("#article-title").inner_text() == passage["citation"]["title"]
    assert page.locator("mark.cited").count() == 0
