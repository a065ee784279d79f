"""/widget.js and /embed: who may embed the chat, the headers that enforce it, the size budget of the script."""
from __future__ import annotations

import gzip
import re

import pytest

from assistant.cli import cli
from assistant.config import bundled_dir
from assistant.errors import BadSetting
from assistant.web.widget import embed_origins

CLINIC = "https://clinic.example"
WWW = "https://www.clinic.example"
WIDGET_BUDGET = 15 * 1024  # bytes of widget.js, gzipped


def frame_ancestors(response) -> str:
    """Return the frame-ancestors sources of a response's Content-Security-Policy."""
    [directive] = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")
                   if part.strip().startswith("frame-ancestors")]
    return directive.removeprefix("frame-ancestors ")


def get(client, path: str, **query):
    """GET a path; return the response, read and closed (a file's response left open warns)."""
    with client.get(path, query_string=query or None) as response:
        response.text = response.get_data(as_text=True)
    return response


@pytest.fixture
def embedding(make_app):
    """A test client of an app that lets the clinic's two websites embed the chat."""
    return make_app(EMBED_ORIGINS=f"{CLINIC} {WWW}").test_client()


def test_widget_js_stays_within_its_size_budget():
    script = (bundled_dir("web") / "widget.js").read_bytes()
    assert len(gzip.compress(script, 9)) <= WIDGET_BUDGET, "widget.js is past its budget of 15 KB gzipped"


def test_widget_js_loads_nothing_from_another_host():
    script = (bundled_dir("web") / "widget.js").read_text(encoding="utf-8")
    assert re.findall(r"\w+://[^\s\"']*", script) == ["https://ASSISTANT/widget.js"]  # the comment's example
    assert "@import" not in script and "url(" not in script


def test_widget_js_is_served_as_a_script_any_site_may_load(embedding):
    response = get(embedding, "/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.parametrize("origin", [CLINIC, WWW])
def test_a_listed_site_gets_the_chat_framed_by_exactly_the_listed_sites(embedding, origin):
    response = get(embedding, "/embed", origin=origin, title="Ask our physio team")
    assert response.status_code == 200
    assert 'id="question"' in response.text
    assert frame_ancestors(response) == f"{CLINIC} {WWW}"
    assert "X-Frame-Options" not in response.headers  # it would forbid what frame-ancestors allows
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_embed_without_an_origin_is_the_chat_framed_by_exactly_the_listed_sites(embedding):
    response = get(embedding, "/embed")
    assert 'id="question"' in response.text
    assert frame_ancestors(response) == f"{CLINIC} {WWW}"


@pytest.mark.parametrize("origin", ["https://evil.example", "https://clinic.example.evil.example", "null", ""])
def test_any_other_site_is_sent_to_the_refusal_which_has_no_chat(embedding, origin):
    response = get(embedding, "/embed", origin=origin)
    assert response.status_code == 303
    refusal = get(embedding, response.headers["Location"])
    assert refusal.status_code == 200
    assert 'id="question"' not in refusal.text and "chat.js" not in refusal.text
    assert "not allowed to show the assistant" in refusal.text
    assert frame_ancestors(refusal) == "*"  # only text: any site may show it, so its panel can say why
    assert "X-Frame-Options" not in refusal.headers


def test_without_embed_origins_no_site_gets_the_chat(client):
    assert get(client, "/embed", origin=CLINIC).status_code == 303
    assert frame_ancestors(get(client, "/embed")) == "'self'"  # as the chat page


def test_the_chat_page_itself_is_still_framed_only_by_this_server(embedding):
    response = get(embedding, "/")
    assert frame_ancestors(response) == "'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("value, origins", [
    (None, ()),
    ("", ()),
    (f"{CLINIC} {WWW}", (CLINIC, WWW)),
    (f"{CLINIC},{WWW}", (CLINIC, WWW)),
    ("HTTPS://Clinic.Example/ http://127.0.0.1:8080", (CLINIC, "http://127.0.0.1:8080")),
    ([CLINIC, CLINIC], (CLINIC,)),
])
def test_embed_origins_are_read_and_written_as_browsers_write_them(value, origins):
    assert embed_origins(value) == origins


@pytest.mark.parametrize("value", ["clinic.example", "ftp://clinic.example", "https://clinic.example/chat",
                                   "https://*.clinic.example", "https://clinic.example:99999", "https://",
                                   "https://user@clinic.example", "https://clinic.example?x=1", 8000])
def test_a_malformed_origin_is_a_one_line_error(value):
    with pytest.raises(BadSetting, match="ASSISTANT_EMBED_ORIGINS") as error:
        embed_origins(value)
    assert "\n" not in str(error.value)


def test_serve_with_a_malformed_origin_list_says_so_in_one_line(runner, corpus_dir, built_index, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBED_ORIGINS", "clinic.example")
    result = runner.invoke(cli, ["--corpus", str(corpus_dir), "--index", str(built_index), "serve", "--port", "0"])
    assert result.exit_code == 2
    assert "'clinic.example' is not a website origin" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_embed_origins_are_read_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBED_ORIGINS", f"{CLINIC} {WWW}")
    assert make_app().extensions["embed_origins"] == (CLINIC, WWW)
