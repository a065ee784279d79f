"""The owner's console in a real headless Chromium against the real server: sign in, articles, what visitors ask,
teaching, another site's page trying to change things, keyboard use and a phone's width."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistant import create_app
from assistant.store import answer_row, new_answer_id
from assistant.web.server import serve_in_thread

pytestmark = pytest.mark.browser

TOKEN = "console-browser-T0ken"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).parent / "screenshots"
TIMEOUT = 20_000  # ms: a reindex of one small article takes about a second; this only bounds a broken page
ARTICLE = """# Quince hold

The quince hold is a stretch our physiotherapists invented for desk workers.

## How to do it

Kneel on one knee, tuck the pelvis under and hold the quince hold for ninety slow breaths.
"""
UNANSWERED = "Does everyone have a psoas minor?"
EVIDENCE = "absent in 40%"
NOT_FOUND = {"answer": "Sorry, our articles do not answer that.", "found": False, "confidence": None,
             "urgent": False, "passages": []}
HIGH = {"answer": "Hold it for 30 seconds.", "found": True, "confidence": "high", "urgent": False,
        "passages": [{"id": "x.txt:0-10"}]}
URGENT = {**NOT_FOUND, "answer": "Call an ambulance.", "urgent": True}


@pytest.fixture(scope="module")
def console_server(corpus_dir, built_index, tmp_path_factory):
    """The console's server over its own copy of the articles and its own database: (url, app)."""
    root = tmp_path_factory.mktemp("console")
    corpus = shutil.copytree(corpus_dir, root / "corpus")
    (corpus / "questions.jsonl").unlink(missing_ok=True)  # nothing taught yet: the console teaches the first one
    app = create_app({"CORPUS": str(corpus), "INDEX": str(root / "index.npz"), "RATELIMIT_ENABLED": False,
                      "ADMIN_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{root / 'feedback.db'}"})
    app.extensions["assistant"].get()
    with serve_in_thread(app) as url:
        yield url.rstrip("/"), app
    app.extensions["recorder"].flush()
    app.extensions["store"].close()


@pytest.fixture
def console(open_page, console_server):
    """A fresh browser context on the console's sign-in page at desktop width."""
    return open_page(f"{console_server[0]}/admin")


def full_page(visit, name: str) -> None:
    """Save a screenshot of the whole page to tests/browser/screenshots/NAME.png (docs/console.png is one)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def expected_refusals(visit, status: int) -> None:
    """Forget the browser's console lines about responses of `status`: the test asked for those refusals."""
    visit.errors[:] = [error for error in visit.errors if f"status of {status}" not in error]


def sign_in(page, token: str = TOKEN) -> None:
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page) -> None:
    sign_in(page)
    page.locator("#documents tbody tr").first.wait_for(timeout=TIMEOUT)


def ask_chat(open_page, url: str, question: str):
    """Ask a question in the chat page of a new context; return the first passage's text of the answer."""
    page = open_page(url + "/").page
    answers = page.locator(".from-assistant")
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    answers.first.wait_for(timeout=TIMEOUT)
    passages = answers.first.locator(".passage-text")
    return passages.first.inner_text() if passages.count() else ""


def test_sign_in_with_a_wrong_then_the_right_token(console):
    page = console.page
    sign_in(page, "not-the-token")
    error = page.locator("#sign-in-error")
    error.filter(has_text="not the admin token").wait_for(timeout=TIMEOUT)
    assert page.locator("#tabs").is_hidden()
    expected_refusals(console, 401)
    signed_in(page)
    assert page.locator("#token").input_value() == ""
    assert TOKEN not in page.content()
    assert all(TOKEN not in cookie["value"] for cookie in page.context.cookies())
    assert page.evaluate("document.cookie") == ""  # HttpOnly: the page's scripts cannot read the session
    page.reload()
    page.locator("#documents tbody tr").first.wait_for(timeout=TIMEOUT)  # the session outlives a reload
    page.get_by_role("button", name="Sign out").click()
    page.locator("#sign-in").wait_for(timeout=TIMEOUT)


def test_upload_a_markdown_file_then_the_chat_answers_from_it(console, console_server, tmp_path, open_page):
    page = console.page
    signed_in(page)
    article = tmp_path / "quince-hold.md"
    article.write_text(ARTICLE, encoding="utf-8")
    page.locator("#upload").set_input_files(str(article))
    done = page.locator("#outcomes li.ok", has_text="quince-hold.md")
    done.wait_for(timeout=TIMEOUT)
    assert "The assistant now answers from" in done.inner_text() and "reindexing took" in done.inner_text()
    row = page.locator("#documents tbody tr", has_text="quince-hold.md")
    row.wait_for(timeout=TIMEOUT)
    assert "Quince hold" in row.inner_text()
    row.get_by_role("button", name="Preview quince-hold.md").click()
    preview = page.locator("#preview")
    preview.locator(".passage").first.wait_for(timeout=TIMEOUT)
    assert "How to do it" in preview.inner_text()
    full_page(console, "console-articles")
    assert "quince hold" in ask_chat(open_page, console_server[0], "What is the quince hold?")
    article.write_text(ARTICLE.replace("ninety slow breaths", "twelve slow breaths"), encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        row.get_by_role("button", name="Replace quince-hold.md").click()
    chooser.value.set_files(str(article))
    page.locator("#outcomes li.ok", has_text="Replaced quince-hold.md").wait_for(timeout=TIMEOUT)
    corpus = Path(console_server[1].extensions["assistant"].corpus_dir)
    assert "twelve slow breaths" in (corpus / "quince-hold.md").read_text(encoding="utf-8")


def test_a_file_dropped_on_the_page_is_added(console):
    page = console.page
    signed_in(page)
    dropped = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(['Fig stretch\\n\\nThe fig stretch opens the front of the hip.\\n'], 'fig.txt'));
        return transfer;
    }""")
    page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    page.locator("#outcomes li.ok", has_text="Added fig.txt").wait_for(timeout=TIMEOUT)
    page.locator("#documents tbody tr", has_text="fig.txt").wait_for(timeout=TIMEOUT)


def test_a_refused_upload_says_why_next_to_the_file_and_changes_nothing(console, console_server, tmp_path):
    page = console.page
    signed_in(page)
    before = page.locator("#documents tbody tr").count()
    corpus = Path(console_server[1].extensions["assistant"].corpus_dir)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9 au lait for the psoas")
    page.locator("#upload").set_input_files(str(latin))
    refused = page.locator("#outcomes li.refused", has_text="latin.txt")
    refused.wait_for(timeout=TIMEOUT)
    assert "not UTF-8" in refused.inner_text() and "Nothing was changed" in refused.inner_text()
    assert not (corpus / "latin.txt").exists()
    assert page.locator("#documents tbody tr").count() == before
    expected_refusals(console, 400)


def test_remove_asks_first_naming_the_file(console, console_server, tmp_path):
    page = console.page
    signed_in(page)
    extra = tmp_path / "to-remove.txt"
    extra.write_text("Walnut pose\n\nThe walnut pose rests the psoas after long drives.\n", encoding="utf-8")
    page.locator("#upload").set_input_files(str(extra))
    row = page.locator("#documents tbody tr", has_text="to-remove.txt")
    row.wait_for(timeout=TIMEOUT)
    row.get_by_role("button", name="Remove to-remove.txt").click()
    dialog = page.locator("dialog#confirm")
    assert "to-remove.txt" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert row.is_visible()
    row.get_by_role("button", name="Remove to-remove.txt").click()
    dialog.get_by_role("button", name="Remove").click()
    page.locator("#outcomes li.ok", has_text="Removed to-remove.txt").wait_for(timeout=TIMEOUT)
    row.wait_for(state="detached", timeout=TIMEOUT)
    assert not (Path(console_server[1].extensions["assistant"].corpus_dir) / "to-remove.txt").exists()


def record(app, question, result, days_ago=0, rating=None, comment=None):
    store = app.extensions["store"]
    row = answer_row(new_answer_id(), question, [], result)
    row["asked_at"] -= timedelta(days=days_ago)
    store.add([row])
    if rating:
        store.rate(row["answer_id"], rating, comment)


def test_the_chart_and_the_groups_from_recorded_answers(console, console_server):
    url, app = console_server
    record(app, "shoes for a tight psoas", NOT_FOUND, days_ago=2)
    record(app, "which shoes for tight psoas?", NOT_FOUND, days_ago=1)
    record(app, "how long to hold a stretch", HIGH, days_ago=1, rating="down", comment="Too vague for me")
    record(app, "sudden numb leg after a fall", URGENT, days_ago=3)
    page = console.page
    signed_in(page)
    page.get_by_role("button", name="What visitors ask").click()
    page.get_by_label("Period").select_option("7")
    page.get_by_role("button", name="Show").click()
    chart = page.locator("#chart")
    expect(chart.locator(".bar")).to_have_count(7, timeout=TIMEOUT)  # not wait_for_function: the CSP forbids eval
    assert chart.locator(".part.urgent").count() >= 1 and chart.locator(".part.not_found").count() >= 2
    assert "1 urgent" in page.locator("#chart-summary").inner_text()
    group = page.locator("#unanswered .group", has_text="shoes")
    assert "asked 2 times" in group.inner_text() and "which shoes for tight psoas?" in group.inner_text()
    rated = page.locator("#rated-down .group", has_text="Too vague for me")
    assert "1 down" in rated.inner_text()
    assert page.locator("#csv-unanswered").get_attribute("href") == "/api/reports/unanswered.csv?since=7"
    full_page(console, "console-visitors")


def test_teach_an_unanswered_question_and_the_chat_answers_it(console, console_server, open_page):
    url, app = console_server
    assert EVIDENCE not in ask_chat(open_page, url, UNANSWERED)
    page = console.page
    signed_in(page)
    page.get_by_role("button", name="What visitors ask").click()
    page.get_by_role("button", name=f"Teach: {UNANSWERED}").click()
    choices = page.locator("#teach-passages li")
    choices.first.wait_for(timeout=TIMEOUT)
    assert page.locator("#try-result").inner_text().startswith(f"Now: “{UNANSWERED}” is ")  # what it gets today
    assert page.locator("#teach-passages .score").first.inner_text().startswith("score ")
    choices.filter(has_text=EVIDENCE).first.get_by_role("radio").check()
    page.get_by_role("button", name="Save as a taught question").click()
    page.locator("#teach-message", has_text="Saved").wait_for(timeout=TIMEOUT)
    page.locator("#try-result", has_text="After teaching").wait_for(timeout=TIMEOUT)
    assert EVIDENCE in page.locator("#try-result .passage-text").first.inner_text()
    taught = page.locator("#taught li", has_text=UNANSWERED)
    taught.wait_for(timeout=TIMEOUT)
    full_page(console, "console-teach")
    assert EVIDENCE in ask_chat(open_page, url, UNANSWERED)
    # edit the wording, then remove it
    taught.get_by_label("Wording").fill("Do all people have a psoas minor?")
    taught.get_by_role("button", name="Save the wording").click()
    edited = page.locator("#taught li", has_text="Do all people have a psoas minor?")
    edited.wait_for(timeout=TIMEOUT)
    edited.get_by_role("button", name="Remove the taught question: Do all people have a psoas minor?").click()
    page.locator("dialog#confirm").get_by_role("button", name="Remove").click()
    edited.wait_for(state="detached", timeout=TIMEOUT)


def test_teach_a_question_the_articles_do_not_answer_and_the_chat_says_so(console, console_server, open_page):
    url, _ = console_server
    asked = "how do I stretch my glutes"
    assert ask_chat(open_page, url, asked)  # answered today: a hip flexor stretch, for a glute question
    page = console.page
    signed_in(page)
    page.get_by_role("button", name="Teach").first.click()
    page.get_by_label("The visitor's question").fill(asked)
    page.get_by_role("button", name="Not answered by our articles").click()
    page.locator("#teach-message", has_text="Saved").wait_for(timeout=TIMEOUT)
    page.locator("#try-result", has_text="After teaching").wait_for(timeout=TIMEOUT)
    assert "not found" in page.locator("#try-result").inner_text()
    taught = page.locator("#taught li", has_text=asked)
    taught.wait_for(timeout=TIMEOUT)
    assert "Not answered by the articles" in taught.inner_text()
    assert ask_chat(open_page, url, "what is a good stretch for my glutes?") == ""  # "no good match"
    taught.get_by_role("button", name=f"Remove the taught question: {asked}").click()
    page.locator("dialog#confirm").get_by_role("button", name="Remove").click()
    taught.wait_for(state="detached", timeout=TIMEOUT)


def test_another_sites_page_cannot_change_anything(console, console_server):
    """A page on another origin (localhost vs 127.0.0.1) posts to the console's API with the owner signed in."""
    url, app = console_server
    page = console.page
    signed_in(page)
    corpus = Path(app.extensions["assistant"].corpus_dir)
    before = sorted(path.name for path in corpus.iterdir())
    other = url.replace("127.0.0.1", "localhost")
    evil_page = f"""<!doctype html><title>Another site</title>
        <form id="f" method="post" action="{url}/api/documents" enctype="multipart/form-data">
        <input name="replace" value="true"></form>"""
    page.route(f"{other}/evil", lambda route: route.fulfill(body=evil_page, content_type="text/html"))
    page.goto(f"{other}/evil")  # a page of the other origin, in the owner's signed-in browser
    outcome = page.evaluate("""async (target) => {
        const form = new FormData();
        form.append('file', new Blob(['Evil\\n\\nThe evil pose was added by another site.\\n']), 'evil.txt');
        const tries = [
            fetch(target + '/api/documents', {method: 'POST', body: form, credentials: 'include', mode: 'no-cors'}),
            fetch(target + '/api/documents/the-iliopsoas-clinic-handout.txt',
                  {method: 'DELETE', credentials: 'include'}).catch(e => 'blocked'),
            fetch(target + '/api/reindex', {method: 'POST', credentials: 'include', mode: 'no-cors'}),
        ];
        await Promise.all(tries.map(t => t.catch(() => 'blocked')));
        return 'sent';
    }""", url)
    assert outcome == "sent"
    # a plain HTML form posted from the other site, as a CSRF attack would
    with page.expect_navigation():
        page.evaluate("document.getElementById('f').submit()")
    page.wait_for_load_state()
    assert "401" in page.content() or "send the admin token" in page.content()
    assert sorted(path.name for path in corpus.iterdir()) == before
    page.goto(f"{url}/admin")  # and the owner's own console still works
    page.locator("#documents tbody tr").first.wait_for(timeout=TIMEOUT)
    console.errors.clear()  # the other site's page was refused, and the browser said so: as intended


def accessible_names_missing(page) -> list[str]:
    """Return the visible controls that have no accessible name."""
    return page.evaluate("""() => [...document.querySelectorAll('button, input, select, a[href], textarea')]
        .filter(el => el.offsetParent !== null)
        .filter(el => !(el.getAttribute('aria-label') || (el.labels && el.labels.length) ||
                        el.textContent.trim() || el.getAttribute('aria-labelledby')))
        .map(el => el.outerHTML.slice(0, 80))""")


def test_keyboard_only_and_a_phones_width(open_page, console_server):
    visit = open_page(f"{console_server[0]}/admin", PHONE)
    page = visit.page
    page.locator("#token").wait_for(timeout=TIMEOUT)
    assert page.evaluate("document.activeElement.id") == "token"  # the sign-in form takes the focus
    page.keyboard.type(TOKEN)
    page.keyboard.press("Enter")
    page.locator("#documents tbody tr").first.wait_for(timeout=TIMEOUT)
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert {"sign-out", "choose-files", "Preview", "Replace", "Remove"} <= reached
    page.get_by_role("button", name="What visitors ask").focus()
    page.keyboard.press("Enter")
    page.locator("#chart .bar").first.wait_for(timeout=TIMEOUT)
    for tab in ("articles", "visitors", "teach"):
        page.locator(f".tab[data-tab={tab}]").click()
        assert accessible_names_missing(page) == [], tab
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], tab
    page.locator(".tab[data-tab=articles]").click()
    visit.screenshot("console-phone")
