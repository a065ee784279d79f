"""The chat page in a real headless Chromium against the real server on localhost."""
from __future__ import annotations

import json

import pytest

from assistant.engine.safety import DISCLAIMER

pytestmark = pytest.mark.browser

STRETCH = "How do I stretch my hip flexors?"
FOLLOW_UP = "How long should I hold it?"
TIMEOUT = 10_000  # ms: an answer takes milliseconds; this only bounds a broken page


def ask(page, question: str):
    """Type a question, press Enter, and return the locator of its answer once shown."""
    answers = page.locator(".from-assistant")
    before = answers.count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    answers.nth(before).wait_for(timeout=TIMEOUT)
    return answers.nth(before)


def test_enter_sends_and_the_answer_is_cited(chat):
    page = chat.page
    answer = ask(page, STRETCH)
    assert page.locator(".from-user .bubble").text_content() == f"You asked: {STRETCH}"
    assert answer.locator(".best").inner_text().strip()
    assert answer.locator(".disclaimer").inner_text() == DISCLAIMER
    assert answer.locator(".passage").count() >= 1
    assert answer.locator(".passage-text mark").count() >= 1  # the question's words, highlighted
    first = answer.locator(".citation").first
    assert first.inner_text().startswith("[1] ")
    assert page.get_by_label("Your question").input_value() == ""
    chat.screenshot("answer-desktop")

    passage_text = answer.locator(".passage-text").first.inner_text()
    first.click()
    dialog = page.locator("dialog#article")
    cited = dialog.locator("mark.cited")
    cited.first.wait_for(timeout=TIMEOUT)
    assert first.get_attribute("title").startswith(dialog.locator("#article-title").inner_text())
    # The passage shows run-together words split; the article is the source as written: same letters.
    assert "".join("".join(cited.all_inner_texts()).split()) == "".join(passage_text.split())
    assert cited.first.evaluate("""mark => {
        const box = mark.getBoundingClientRect(), view = mark.closest('.article-text').getBoundingClientRect();
        return box.top >= view.top && box.top < view.bottom;
    }""")
    assert page.evaluate("document.activeElement.classList.contains('cited')")
    chat.screenshot("article-desktop")
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")
    assert page.evaluate("document.activeElement.classList.contains('citation')")


def test_shift_enter_adds_a_line(chat):
    box = chat.page.get_by_label("Your question")
    box.type("hip")
    box.press("Shift+Enter")
    box.type("flexors")
    assert box.input_value() == "hip\nflexors"
    assert chat.page.locator(".message").count() == 0


def test_busy_while_waiting(chat):
    page = chat.page
    held = []
    page.route("**/api/answer", lambda route: held.append(route))  # hold it while the busy state is checked
    page.get_by_label("Your question").fill(STRETCH)
    page.get_by_label("Your question").press("Enter")
    page.wait_for_function("document.body.classList.contains('busy')", timeout=TIMEOUT)
    assert page.locator("#send").is_disabled()
    assert page.get_by_role("status").inner_text() == "Looking through the articles…"
    assert page.locator("#messages").get_attribute("aria-busy") == "true"
    assert page.locator(".from-user").count() == 1  # the question is already in the list
    while not held:
        page.wait_for_timeout(20)  # lets Playwright deliver the held request
    held[0].continue_()
    page.locator(".from-assistant").wait_for(timeout=TIMEOUT)
    assert not page.locator("#send").is_disabled()
    assert page.get_by_role("status").inner_text() == ""


def test_out_of_scope_question_shows_the_fallback(chat, contact):
    answer = ask(chat.page, "What is the capital of France?")
    fallback = answer.locator(".fallback")
    assert "do not answer" in fallback.inner_text()
    assert answer.locator(".passage").count() == 0
    assert answer.locator(".disclaimer").inner_text() == DISCLAIMER
    examples = fallback.locator("button.example")
    assert examples.count() >= 3
    for example in examples.all_inner_texts():
        assert fallback.inner_text().count(example) == 1  # as a button only, not in the text as well
    assert fallback.locator("p").nth(1).inner_text() == contact  # a line of its own
    chat.screenshot("fallback-desktop")
    example = examples.first.inner_text()
    examples.first.click()
    chat.page.locator(".from-assistant").nth(1).wait_for(timeout=TIMEOUT)
    assert chat.page.locator(".from-user").nth(1).inner_text().endswith(example)


def test_a_low_confidence_answer_says_so_in_a_short_line(chat):
    page = chat.page

    def lowered(route):
        response = route.fetch()
        result = response.json()
        result["confidence"] = "low"
        route.fulfill(response=response, json=result)

    page.route("**/api/answer", lowered)
    answer = ask(page, STRETCH)
    assert answer.locator(".low-confidence").inner_text() == "These passages may not answer your question exactly."
    assert answer.locator(".passage").count() >= 1  # the passages are still shown
    page.unroute("**/api/answer")
    assert ask(page, STRETCH).locator(".low-confidence").count() == 0  # high confidence: no such line


def test_red_flag_question_shows_the_urgent_banner(chat, contact):
    answer = ask(chat.page, "I fell and now I cannot put any weight on my leg")
    banner = answer.get_by_role("alert")
    assert banner.is_visible()
    assert "emergency department" in banner.inner_text()
    assert banner.locator("p").last.inner_text() == contact
    assert answer.locator(".disclaimer").inner_text() == DISCLAIMER
    chat.screenshot("urgent-desktop")


def test_follow_up_sends_the_history_and_new_chat_clears_it(chat):
    page = chat.page
    ask(page, STRETCH)
    with page.expect_request("**/api/answer") as sent:
        ask(page, FOLLOW_UP)
    assert json.loads(sent.value.post_data)["history"] == [STRETCH]
    page.get_by_role("button", name="New chat").click()
    assert page.locator(".message").count() == 0
    assert page.locator("#welcome").is_visible()
    assert page.evaluate("document.activeElement.id") == "question"
    with page.expect_request("**/api/answer") as sent:
        ask(page, FOLLOW_UP)
    assert json.loads(sent.value.post_data)["history"] == []


def test_examples_on_the_empty_screen_ask(chat):
    page = chat.page
    examples = page.locator("#welcome button.example")
    assert examples.count() >= 3
    chat.screenshot("welcome-desktop")
    question = examples.nth(1).inner_text()
    examples.nth(1).click()
    page.locator(".from-assistant").wait_for(timeout=TIMEOUT)
    assert page.locator(".from-user").inner_text().endswith(question)
    assert not page.locator("#welcome").is_visible()


def test_markup_in_a_question_stays_text(chat):
    page = chat.page
    payload = """<img src=x onerror="window.__xss='question'"><script>window.__xss='script'</script>"""
    ask(page, payload)
    assert page.locator(".from-user .bubble").text_content() == f"You asked: {payload}"
    chat.screenshot("markup-question-desktop")
    assert page.locator("#messages img, #messages script").count() == 0
    assert page.evaluate("window.__xss") is None


def test_markup_in_an_article_stays_text(chat):
    page = chat.page
    answer = ask(page, "What is the quokka pose?")
    citation = answer.locator(".citation").first
    assert "<img src=x" in citation.inner_text()
    citation.click()
    page.locator("dialog#article mark.cited").first.wait_for(timeout=TIMEOUT)
    text = page.locator("#article-text").inner_text()
    assert "<script>window.__xss='text'</script>" in text
    assert page.locator("#article-title").inner_text().startswith("Quokka pose <img")
    assert "Breathing <b onclick=\"window.__xss='heading'\">out</b>" in page.locator("#article-text h3").all_inner_texts()
    assert page.locator("body img, #article-text script, #article-text b, #messages script").count() == 0
    assert page.locator("#article a").count() == 0  # its javascript: URL is not made a link
    chat.screenshot("markup-article-desktop")
    assert page.evaluate("window.__xss") is None


def test_keyboard_alone(chat):
    page = chat.page
    assert page.evaluate("document.activeElement.id") == "question"  # focused on load
    page.keyboard.type(STRETCH)
    page.keyboard.press("Enter")
    page.locator(".from-assistant").wait_for(timeout=TIMEOUT)
    for _ in range(40):  # Tab from the question box until a citation has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('citation')"):
            break
    else:
        pytest.fail("no citation could be reached with Tab")
    page.keyboard.press("Enter")
    page.locator("dialog#article mark.cited").first.wait_for(timeout=TIMEOUT)
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('citation')")


def test_screen_reader_landmarks(chat):
    page = chat.page
    log = page.get_by_role("log", name="Conversation")
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_label("Your question").is_visible()
    assert page.get_by_role("button", name="Send").is_visible()
    assert page.get_by_role("button", name="New chat").is_visible()
    answer = ask(page, STRETCH)
    assert answer.get_by_role("article", name="Answer").is_visible()
    assert answer.locator(".citation").first.get_attribute("aria-label").startswith("Source 1: open ")


def test_header_and_question_box_stay_put_while_only_the_conversation_scrolls(each_width):
    page = each_width.page
    for question in (STRETCH, FOLLOW_UP, "Which nerve supplies the iliacus?"):
        ask(page, question)
    page.wait_for_timeout(800)  # let the smooth scroll to the last answer finish
    each_width.screenshot(f"layout-{each_width.width}")
    layout = page.evaluate("""() => {
        const box = (selector) => document.querySelector(selector).getBoundingClientRect();
        const chat = document.querySelector('#chat');
        return {page: document.documentElement.scrollHeight, view: innerHeight, scrolled: scrollY,
                header: box('header.top').top, composer: box('footer.composer').bottom,
                chat: chat.scrollHeight > chat.clientHeight, chatScrolled: chat.scrollTop > 0};
    }""")
    assert layout["page"] <= layout["view"] and layout["scrolled"] == 0, layout  # the page itself never scrolls
    assert layout["header"] == 0, layout  # "Hip flexor questions" and "New chat" on screen
    assert abs(layout["composer"] - layout["view"]) < 1, layout  # the question box at the bottom, no band under it
    assert layout["chat"] and layout["chatScrolled"], layout  # the conversation scrolls, to the latest answer
    assert page.get_by_role("button", name="New chat").is_visible()


def test_a_citation_keeps_to_one_line_on_a_phone_with_the_full_title_on_hover_and_in_the_reader(phone_chat):
    page = phone_chat.page
    answer = ask(page, "Why do my hip flexors hurt?")
    full = "Ultimate Guide to the Iliopsoas: What it does, why it hurts, and what to do about it"
    guide = answer.locator(".citation", has_text="Ultimate Guide").first
    assert guide.get_attribute("title").startswith(f"{full} › ")
    assert guide.locator(".citation-title").inner_text() == "Ultimate Guide to the Iliopsoas"
    for citation in answer.locator(".citation").all():
        assert citation.bounding_box()["height"] < 40  # one line; two would be over 50 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_chat.screenshot("citations-phone")
    guide.click()
    dialog = page.locator("dialog#article")
    dialog.locator("mark.cited").first.wait_for(timeout=TIMEOUT)
    assert dialog.locator("#article-title").inner_text() == full
    assert "What does the psoas do?" in dialog.locator("#article-text h3").all_inner_texts()  # headings look like it
    phone_chat.screenshot("article-headings-phone")


def test_phone_width(phone_chat):
    page = phone_chat.page
    phone_chat.screenshot("welcome-phone")
    ask(page, STRETCH)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_chat.screenshot("answer-phone")
    page.locator(".citation").first.click()
    page.locator("dialog#article mark.cited").first.wait_for(timeout=TIMEOUT)
    box = page.locator("dialog#article").bounding_box()
    assert box["width"] <= 390
    phone_chat.screenshot("article-phone")
