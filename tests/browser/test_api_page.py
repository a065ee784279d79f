"""The API page at /docs: Swagger UI from this server, under a policy as strict as the chat's but for data: images,
answers through "Try it out"."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms: only bounds a broken page (the bundle is 1.7 MB)


def test_the_chat_footer_links_to_the_api_page(chat):
    chat.page.get_by_role("link", name="API for developers").click()
    chat.page.wait_for_url("**/docs")
    chat.page.locator(".opblock-summary-path[data-path='/api/answer']").wait_for(timeout=TIMEOUT)


def test_try_it_out_answers_a_question(open_page, live_url):
    visit = open_page(live_url + "docs")  # fails on any request off this machine or any error, CSP ones included
    page = visit.page
    operation = page.locator(".opblock-post", has=page.locator(".opblock-summary-path[data-path='/api/answer']"))
    operation.locator(".opblock-summary").click(timeout=TIMEOUT)
    operation.get_by_role("button", name="Try it out").click()
    body = operation.locator("textarea.body-param__text")
    assert json.loads(body.input_value())["question"]  # the description's example, ready to send
    body.fill(json.dumps({"question": "How do I stretch my hip flexors?"}))
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table .response")
    response.wait_for(timeout=TIMEOUT)
    assert response.locator(".response-col_status").inner_text().strip() == "200"
    result = json.loads(response.locator(".response-col_description pre").first.inner_text())
    assert result["found"] and result["passages"] and result["disclaimer"]
    visit.screenshot("api-page-try-it-out")


def test_only_the_api_page_relaxes_the_policy(live_url):
    import urllib.request

    with urllib.request.urlopen(live_url + "docs") as docs, urllib.request.urlopen(live_url) as chat:
        docs_policy, chat_policy = docs.headers["Content-Security-Policy"], chat.headers["Content-Security-Policy"]
    assert docs_policy == chat_policy.replace("img-src 'self'", "img-src 'self' data:")  # its icons
    assert "unsafe" not in docs_policy and "data:" not in chat_policy
