"""Rating answers in the chat page, in headless Chromium, against the real server on SQLite and on PostgreSQL:
what is clicked there is what `assistant feedback` and `assistant unanswered` then report."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from assistant.cli import cli
from assistant.web.server import serve_in_thread
from conftest import DESKTOP, open_chat
from test_chat import FOLLOW_UP, STRETCH, TIMEOUT, ask

pytestmark = pytest.mark.browser


@pytest.fixture
def rating_chat(browser, make_app, database_url):
    """The chat page of a server recording to a new database; .page, .app and .database_url."""
    app = make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)
    app.extensions["assistant"].get()
    with serve_in_thread(app) as url:
        for visit in open_chat(browser, url, DESKTOP):
            yield SimpleNamespace(page=visit.page, app=app, database_url=database_url, visit=visit)


def report(runner, command, database_url):
    result = runner.invoke(cli, [command, "--json", "--database", database_url])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_thumbs_down_with_a_comment_shows_up_in_assistant_feedback(rating_chat, runner):
    page = rating_chat.page
    ask(page, STRETCH)
    answer = ask(page, FOLLOW_UP)
    rating = answer.get_by_role("group", name="Rate this answer")
    assert rating.inner_text().startswith("Was this helpful?")
    rating.get_by_role("button", name="Not helpful").click()
    box = rating.get_by_label("What was wrong or missing? (optional)")
    box.wait_for(timeout=TIMEOUT)
    assert page.evaluate("document.activeElement.name") == "comment"
    box.fill("It does not say <b>how often</b>.")
    rating_chat.visit.screenshot("rating-comment-desktop")
    rating.get_by_role("button", name="Send").click()
    rating.locator(".rating-thanks").wait_for(timeout=TIMEOUT)
    assert rating.inner_text() == "Thank you for your feedback."
    assert page.locator("#messages b").count() == 0
    [rated] = report(runner, "feedback", rating_chat.database_url)["answers"]
    assert (rated["down"], rated["comments"]) == (1, ["It does not say <b>how often</b>."])
    assert rated["questions"] == [{"question": FOLLOW_UP, "history": [STRETCH], "count": 1}]
    assert rated["answer"] == answer.locator(".best").inner_text()


def test_a_thumbs_up_thanks_at_once(rating_chat, runner):
    answer = ask(rating_chat.page, STRETCH)
    answer.locator(".rating").scroll_into_view_if_needed()
    rating_chat.visit.screenshot("rating-desktop")
    answer.get_by_role("button", name="Helpful", exact=True).click()
    answer.locator(".rating-thanks").wait_for(timeout=TIMEOUT)
    [row] = rating_chat.app.extensions["store"].rated()
    assert (row["question"], row["rating"], row["comment"]) == (STRETCH, "up", None)
    assert report(runner, "feedback", rating_chat.database_url)["answers"] == []  # no thumbs down


def test_an_unanswered_question_shows_up_in_assistant_unanswered(rating_chat, runner):
    ask(rating_chat.page, "What is the capital of France?")
    rating_chat.app.extensions["recorder"].flush()
    [question] = report(runner, "unanswered", rating_chat.database_url)["questions"]
    assert (question["question"], question["count"], question["not_found"]) == ("What is the capital of France?", 1, 1)


def test_a_rating_that_fails_says_why(rating_chat):
    page = rating_chat.page
    page.route("**/api/feedback", lambda route: route.fulfill(
        status=503, json={"error": "ratings cannot be stored or read right now"}))
    answer = ask(page, STRETCH)
    answer.get_by_role("button", name="Helpful", exact=True).click()
    answer.locator(".rating-error").wait_for(timeout=TIMEOUT)
    assert "ratings cannot be stored or read right now" in answer.locator(".rating-error").inner_text()
    errors = rating_chat.visit.errors  # the browser logs the 503 itself: expected here, not a page error
    errors[:] = [error for error in errors if "status of 503" not in error]


def test_no_thumbs_when_the_server_records_nothing(browser, make_app):
    app = make_app(RECORD_QUESTIONS=False, RATELIMIT_ENABLED=False)
    app.extensions["assistant"].get()
    with serve_in_thread(app) as url:
        for visit in open_chat(browser, url, DESKTOP):
            answer = ask(visit.page, STRETCH)
            assert answer.locator(".disclaimer").is_visible()
            assert answer.locator(".rating").count() == 0
