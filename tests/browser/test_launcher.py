"""The launcher of widget.js on other websites, in headless Chromium: host pages served from other ports of
127.0.0.1 (other origins), the assistant's server allowing one of them in EMBED_ORIGINS."""
from __future__ import annotations

import html
import logging
import shutil
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from assistant import create_app
from assistant.engine.safety import DISCLAIMER
from assistant.web.server import serve_in_thread
from conftest import DESKTOP, PHONE, open_chat
from test_chat import FOLLOW_UP, STRETCH, TIMEOUT, ask
from test_rating import report

pytestmark = pytest.mark.browser

TITLE = "Ask our physio team"
EMERGENCY = "I fell and now I cannot put any weight on my leg"
# A host page's CSS at its worst: every button, div and p restyled, important or not.
HOSTILE_CSS = """
* { box-sizing: content-box !important; }
body { font: italic 30px/3 Georgia, serif; color: #c00; text-transform: uppercase; letter-spacing: 4px; }
button, div, p { all: unset; display: block !important; position: static !important; width: 120px !important;
  height: 90px !important; margin: 25px !important; padding: 30px !important; border: 6px dashed green !important;
  background: yellow !important; color: red !important; font: 40px/3 serif !important;
  transform: rotate(7deg) !important; opacity: .5 !important; visibility: visible !important; }
iframe, dialog { display: none !important; }
"""


class HostHandler(BaseHTTPRequestHandler):
    """Serves the host pages in `self.server.pages` (path -> HTML)."""

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        page = self.server.pages.get(self.path.split("?")[0])
        body = (page or "not found").encode()
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Keep the test output quiet."""


@contextmanager
def host_site():
    """Serve host pages from a free loopback port; yield the server (.origin, .pages to fill)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostHandler)
    server.pages = {}
    server.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def host_page(assistant: str, css: str = "", attributes: str = f'data-title="{TITLE}"', widget: bool = True) -> str:
    """Return a clinic's page that includes the documented snippet (and `css` in the page's own style sheet)."""
    snippet = f'<script src="{assistant}/widget.js" {attributes} async></script>' if widget else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clinic</title><style>{css}</style></head>
<body><h1>Our clinic</h1><p id="intro">We treat hips.</p><button id="book" type="button">Book now</button>
{snippet}
</body></html>"""


@pytest.fixture(scope="module")
def sites(corpus_dir, built_index, tmp_path_factory):
    """The clinic's site (allowed), another site (not allowed) and the assistant's server; .clinic, .other, .url,
    .database_url."""
    folder = tmp_path_factory.mktemp("widget")
    shutil.copy(built_index, folder / "index.npz")
    database_url = f"sqlite:///{folder / 'feedback.db'}"
    with host_site() as clinic, host_site() as other:
        app = create_app({"CORPUS": str(corpus_dir), "INDEX": str(folder / "index.npz"), "RATELIMIT_ENABLED": False,
                          "DATABASE_URL": database_url, "EMBED_ORIGINS": clinic.origin})
        app.extensions["assistant"].get()
        with serve_in_thread(app) as url:
            assistant = url.rstrip("/")
            for site in (clinic, other):
                site.pages["/"] = host_page(assistant)
                site.pages["/hostile"] = host_page(assistant, HOSTILE_CSS)
                site.pages["/plain"] = host_page(assistant, widget=False)
                site.pages["/options"] = host_page(assistant, attributes=(
                    'data-title="Hip help" data-launcher="Questions?" data-position="bottom-left" data-accent="#ffd400" '
                    'data-welcome="Hello from the clinic." data-question-1="What is the psoas?" '
                    'data-question-2="How do I stretch my hip flexors?"'))
                site.pages["/forged"] = (f'<!doctype html><title>Forged</title>'
                                         f'<iframe src="{assistant}/embed?origin={html.escape(clinic.origin)}"></iframe>')
                site.pages["/nested"] = (f'<!doctype html><title>Nested</title><iframe src="{clinic.origin}/" '
                                         f'title="clinic" style="width: 100%; height: 760px"></iframe>')
            yield SimpleNamespace(clinic=clinic, other=other, url=assistant, database_url=database_url)


def visit(browser, url: str, viewport=DESKTOP):
    """Open a host page as the chat fixtures do (nothing may leave localhost, no script errors)."""
    return contextmanager(open_chat)(browser, url, viewport)


def launcher(page):
    return page.get_by_role("button", name="Ask a question")


def open_panel(page):
    """Click the launcher; return the panel and the chat in it, once the chat is ready for a question."""
    launcher(page).click()
    panel = page.get_by_role("dialog", name=TITLE)
    chat = page.frame_locator(f'iframe[title="{TITLE}"]')
    chat.get_by_label("Your question").wait_for(timeout=TIMEOUT)
    return panel, chat


def focus_in_chat(page, expected: str = "question") -> str:
    """Return the id of the element with the keyboard focus inside the chat's frame ("" when the frame has none),
    waiting up to TIMEOUT for it to become `expected`: the chat's "ready" message moves the focus a moment later."""
    frame = next(frame for frame in page.frames if "/embed" in frame.url)
    focused = ""
    for _ in range(TIMEOUT // 50):
        focused = frame.evaluate("document.hasFocus() ? document.activeElement.id : ''")
        if focused == expected:
            break
        page.wait_for_timeout(50)
    return focused


def test_a_question_a_follow_up_an_emergency_and_a_thumbs_down(browser, sites, runner, caplog):
    caplog.set_level(logging.INFO, logger="assistant.requests")
    with visit(browser, sites.clinic.origin + "/") as host:
        page = host.page
        assert launcher(page).get_attribute("aria-expanded") == "false"
        panel, chat = open_panel(page)
        assert launcher(page).get_attribute("aria-expanded") == "true"
        answer = ask(chat, STRETCH)
        assert answer.locator(".best").inner_text().strip()
        assert answer.locator(".citation").first.inner_text().startswith("[1] ")
        assert answer.locator(".disclaimer").inner_text() == DISCLAIMER
        host.screenshot("widget-answer-desktop")

        answer.locator(".citation").first.click()  # the article opens at the passage, inside the panel
        chat.locator("dialog#article mark.cited").first.wait_for(timeout=TIMEOUT)
        page.keyboard.press("Escape")  # closes the article, not the panel
        expect(chat.locator("dialog#article")).to_be_hidden(timeout=TIMEOUT)
        assert panel.is_visible()

        follow_up = ask(chat, FOLLOW_UP)
        follow_up.get_by_role("button", name="Not helpful").click()
        follow_up.locator(".rating-comment").wait_for(timeout=TIMEOUT)
        urgent = ask(chat, EMERGENCY)
        banner = urgent.get_by_role("alert")
        assert "emergency department" in banner.inner_text()
        assert urgent.locator(".disclaimer").inner_text() == DISCLAIMER
        host.screenshot("widget-urgent-desktop")

        panel.get_by_role("button", name="New chat").click()
        chat.locator("#welcome").wait_for(timeout=TIMEOUT)
        assert chat.locator(".message").count() == 0

    # The request log counts the panel's questions like the chat page's.
    assert sum("POST /api/answer 200" in message for message in caplog.messages) == 3
    [rated] = report(runner, "feedback", sites.database_url)["answers"]
    assert rated["down"] == 1
    assert rated["questions"] == [{"question": FOLLOW_UP, "history": [STRETCH], "count": 1}]


def test_keyboard_and_screen_reader(browser, sites):
    with visit(browser, sites.clinic.origin + "/") as host:
        page = host.page
        button = launcher(page)
        button.focus()
        page.keyboard.press("Enter")
        panel = page.get_by_role("dialog", name=TITLE)
        panel.wait_for(timeout=TIMEOUT)
        chat = page.frame_locator(f'iframe[title="{TITLE}"]')
        chat.get_by_label("Your question").wait_for(timeout=TIMEOUT)
        assert focus_in_chat(page) == "question"  # the chat's "ready" moves the focus into it
        assert chat.get_by_role("log", name="Conversation").get_attribute("aria-live") == "polite"
        host.screenshot("widget-welcome-desktop")
        page.keyboard.type(STRETCH)
        page.keyboard.press("Enter")
        chat.locator(".from-assistant").wait_for(timeout=TIMEOUT)
        page.keyboard.press("Escape")  # pressed inside the chat's frame: it asks the host page to close the panel
        expect(panel).to_be_hidden(timeout=TIMEOUT)
        assert button.evaluate("b => b.getRootNode().activeElement === b")
        expect(button).to_have_attribute("aria-expanded", "false")

        page.keyboard.press("Enter")  # open again: the conversation is still there
        assert focus_in_chat(page) == "question"
        assert chat.locator(".from-assistant").count() == 1
        panel.get_by_role("button", name="Close the chat").click()
        expect(panel).to_be_hidden(timeout=TIMEOUT)


def test_the_host_pages_css_does_not_change_the_panel_and_ours_does_not_leak(browser, sites):
    measure = """() => {
        const root = document.querySelector('iliopsoas-assistant').shadowRoot;
        const box = (node) => { const r = node.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
        const style = (node) => { const s = getComputedStyle(node);
            return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.textTransform, s.opacity]; };
        return ['.launcher', '.panel', '.head h2', '.head button', 'iframe'].map((sel) => {
            const node = root.querySelector(sel);
            return [sel, box(node), style(node)];
        });
    }"""
    host_styles = """() => ['#intro', '#book', 'h1'].map((sel) => {
        const s = getComputedStyle(document.querySelector(sel));
        return [sel, s.font, s.color, s.backgroundColor, s.margin, s.padding, s.border, s.boxSizing];
    })"""
    looks = {}
    for name in ("/", "/hostile"):
        with visit(browser, sites.clinic.origin + name) as host:
            _, chat = open_panel(host.page)
            ask(chat, STRETCH)
            looks[name] = host.page.evaluate(measure)
            answer_font = chat.locator(".best").evaluate("n => getComputedStyle(n).fontSize")
            assert answer_font == "17.6px"  # 1.1rem: the chat's own stylesheet, wherever it is shown
            if name == "/hostile":
                host.screenshot("widget-hostile-css")
            looks[name + " host"] = host.page.evaluate(host_styles)
    assert looks["/hostile"] == looks["/"]

    with visit(browser, sites.clinic.origin + "/plain") as host:  # the same page without the widget
        assert host.page.evaluate(host_styles) == looks["/ host"]


def test_a_site_that_is_not_listed_gets_a_refusal_and_no_chat(browser, sites, caplog):
    caplog.set_level(logging.INFO, logger="assistant.requests")
    with visit(browser, sites.other.origin + "/") as host:
        page = host.page
        launcher(page).click()
        panel = page.get_by_role("dialog", name=TITLE)
        notice = panel.get_by_role("alert")
        notice.wait_for(timeout=TIMEOUT)
        assert "not allowed to show the assistant" in notice.inner_text()
        assert sites.other.origin in notice.inner_text()
        assert panel.locator("iframe").count() == 0
        assert panel.get_by_role("button", name="New chat").is_hidden()
        assert any("GET /embed/refused" in message for message in caplog.messages)  # said by the server at once
        assert not any("/embed" in frame.url and frame.locator("#question").count() for frame in page.frames)
        host.screenshot("widget-refused")
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden(timeout=TIMEOUT)


def test_a_site_that_claims_a_listed_origin_is_refused_by_the_browser(browser, sites):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(sites.other.origin + "/forged")
        for _ in range(TIMEOUT // 50):  # the browser reports the refusal a moment after the load
            if any("frame-ancestors" in error for error in errors):
                break
            page.wait_for_timeout(50)
        [framed] = [frame for frame in page.frames if frame != page.main_frame]
        assert framed.locator("#question").count() == 0
        assert any("frame-ancestors" in error for error in errors), errors
    finally:
        context.close()


def test_a_listed_site_framed_by_one_that_is_not_gets_the_refusal(browser, sites):
    """frame-ancestors checks every ancestor: the browser refuses, and the panel says so when the chat stays silent."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(sites.other.origin + "/nested")
        clinic = page.frame_locator('iframe[title="clinic"]')
        clinic.get_by_role("button", name="Ask a question").click()
        notice = clinic.get_by_role("dialog", name=TITLE).get_by_role("alert")
        notice.wait_for(timeout=TIMEOUT)
        assert "could not be opened on this website" in notice.inner_text()
    finally:
        context.close()


def test_phone_layout_is_full_screen(browser, sites):
    with visit(browser, sites.clinic.origin + "/", PHONE) as host:
        page = host.page
        _, chat = open_panel(page)
        panel_box = page.locator("iliopsoas-assistant .panel").bounding_box()
        assert panel_box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
        answer = ask(chat, STRETCH)
        assert answer.locator(".disclaimer").is_visible()
        overflow = chat.locator("body").evaluate("b => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0
        host.screenshot("widget-answer-phone")


def test_options_from_data_attributes(browser, sites):
    with visit(browser, sites.clinic.origin + "/options") as host:
        page = host.page
        button = page.get_by_role("button", name="Questions?")
        box = button.bounding_box()
        assert box["x"] < DESKTOP["width"] / 2  # bottom-left
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 212, 0)"
        assert button.evaluate("b => getComputedStyle(b).color") == "rgb(29, 36, 48)"  # dark ink on yellow
        button.click()
        chat = page.frame_locator('iframe[title="Hip help"]')
        # embed.js puts the website's welcome and starters in once the frame has loaded: wait for them.
        expect(chat.locator("#welcome-text")).to_have_text("Hello from the clinic.", timeout=TIMEOUT)
        starters = chat.locator("#welcome .example")
        expect(starters).to_have_text(["What is the psoas?", "How do I stretch my hip flexors?"], timeout=TIMEOUT)
        starters.first.click()
        chat.locator(".from-assistant").wait_for(timeout=TIMEOUT)
        host.screenshot("widget-options")
