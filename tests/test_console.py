"""The console's server side: the page switched off without a token, sign-in and sign-out, the session the admin
API accepts, its CSRF and Origin rules, the wrong-token throttle, and the token kept out of every response and log."""
from __future__ import annotations

import logging
import shutil
from io import BytesIO

import pytest

from assistant import create_app

TOKEN = "console-s3cret-Token-42"
ORIGIN = "http://localhost"  # the test client's host
NEW_FACT = "Quince hold\n\nThe quince hold keeps the psoas long for ninety breaths, says our physiotherapist.\n"


@pytest.fixture
def console_app(writable_corpus, built_index, tmp_path):
    """An app with the console on, over a corpus of its own and a copy of the session's index (the same texts)."""
    shutil.copy(built_index, tmp_path / "index.npz")
    app = create_app({"TESTING": True, "CORPUS": str(writable_corpus), "INDEX": str(tmp_path / "index.npz"),
                      "ADMIN_TOKEN": TOKEN, "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["store"].close()


@pytest.fixture
def browser_client(console_app):
    """A client signed in as the console's page is: returns (client, csrf token)."""
    client = console_app.test_client()
    response = client.post("/api/console/sign-in", json={"token": TOKEN}, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    return client, response.get_json()["csrf_token"]


def changes(csrf: str, origin: str | None = ORIGIN) -> dict:
    headers = {"X-CSRF-Token": csrf}
    if origin:
        headers["Origin"] = origin
    return headers


def test_the_console_is_off_without_a_token(client):
    assert client.get("/admin").status_code == 404
    assert client.get("/static/console.js").status_code == 404
    assert client.post("/api/console/sign-in", json={"token": "x"}).status_code == 404
    with client.get("/") as chat:
        assert b"/admin" not in chat.data  # no link to it either


def test_the_page_is_served_with_the_strict_policy_and_no_token(console_app):
    client = console_app.test_client()
    with client.get("/admin") as page:
        assert page.status_code == 200 and b"console.js" in page.data
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert TOKEN.encode() not in page.data
    with client.get("/static/console.js") as script:
        assert script.status_code == 200


def test_sign_in_sets_a_strict_httponly_cookie_without_the_token(console_app):
    client = console_app.test_client()
    response = client.post("/api/console/sign-in", json={"token": TOKEN})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert TOKEN not in cookie and TOKEN not in response.get_data(as_text=True)
    assert client.get("/api/console/sign-in").get_json()["signed_in"] is True
    assert client.get("/api/documents").status_code == 200


def test_the_cookie_is_secure_over_https(console_app):
    client = console_app.test_client()
    response = client.post("/api/console/sign-in", json={"token": TOKEN}, base_url="https://clinic.example")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("body, status", [({"token": "wrong"}, 401), ({"token": ""}, 400), ({}, 400),
                                          ({"token": 7}, 400)])
def test_a_wrong_token_signs_nobody_in(console_app, body, status):
    client = console_app.test_client()
    response = client.post("/api/console/sign-in", json=body)
    assert response.status_code == status and "token" in response.get_json()["error"]
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/console/sign-in").get_json() == {"signed_in": False}
    assert client.get("/api/documents").status_code == 401


def test_wrong_sign_ins_share_the_admin_apis_throttle(make_app):
    app = make_app(ADMIN_TOKEN=TOKEN, ADMIN_FAILURE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/console/sign-in", json={"token": "guess"}).status_code == 401
    assert client.get("/api/documents", headers={"Authorization": "Bearer guess"}).status_code == 401
    # three wrong tokens, two by sign-in and one by the API: both doors are shut, the right token too
    assert client.post("/api/console/sign-in", json={"token": TOKEN}).status_code == 429
    assert client.get("/api/documents", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 429


def test_a_change_with_the_cookie_needs_the_csrf_token_and_this_origin(browser_client, console_app):
    client, csrf = browser_client
    corpus = console_app.extensions["assistant"].corpus_dir
    upload = {"file": (BytesIO(NEW_FACT.encode()), "quince.txt")}
    for headers in [{}, {"Origin": ORIGIN}, changes("wrong"), changes(csrf, origin=None),
                    changes(csrf, origin="https://evil.example"), changes(csrf, origin="null")]:
        response = client.post("/api/documents", data={"file": (BytesIO(NEW_FACT.encode()), "quince.txt")},
                               headers=headers)
        assert response.status_code == 403, headers
        assert not (corpus / "quince.txt").exists()
    assert client.delete("/api/documents/the-iliopsoas-clinic-handout.txt").status_code == 403
    assert client.post("/api/taught", json={"question": "q", "passage": "x"}).status_code == 403
    assert client.post("/api/documents", data=upload, headers=changes(csrf)).status_code == 201
    assert (corpus / "quince.txt").exists()


def test_reading_with_the_cookie_needs_no_csrf_token(browser_client):
    client, _ = browser_client
    listing = client.get("/api/documents").get_json()
    assert {"source", "title", "passages", "bytes", "modified"} <= set(listing["documents"][0])
    assert client.get("/api/taught").status_code == 200


def test_a_sign_in_from_another_site_is_refused(console_app):
    client = console_app.test_client()
    response = client.post("/api/console/sign-in", json={"token": TOKEN}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "Set-Cookie" not in response.headers


def test_sign_out_ends_the_session(browser_client):
    client, csrf = browser_client
    assert client.delete("/api/console/sign-in").status_code == 403  # no CSRF token: not even a sign-out
    assert client.delete("/api/console/sign-in", headers=changes(csrf)).get_json() == {"signed_in": False}
    assert client.get("/api/documents").status_code == 401


def test_a_new_token_ends_every_session(browser_client, console_app):
    client, _ = browser_client
    console_app.config["ADMIN_TOKEN"] = "the-next-token"
    assert client.get("/api/documents").status_code == 401


def test_a_forged_cookie_is_not_a_session(console_app):
    client = console_app.test_client()
    client.set_cookie("assistant_console", "eyJhZG1pbiI6IngifQ.forged.signature")
    assert client.get("/api/documents").status_code == 401


def test_sessions_outlive_a_restart_only_with_a_shared_secret_key(make_app):
    for config, works in [({}, False), ({"SECRET_KEY": "shared-between-servers"}, True)]:
        first, second = make_app(ADMIN_TOKEN=TOKEN, **config), make_app(ADMIN_TOKEN=TOKEN, **config)
        client = first.test_client()
        client.post("/api/console/sign-in", json={"token": TOKEN})
        cookie = client.get_cookie("assistant_console").value
        other = second.test_client()
        other.set_cookie("assistant_console", cookie)
        assert other.get("/api/console/sign-in").get_json()["signed_in"] is works


def test_the_token_is_in_no_response_and_no_log_line(console_app, caplog, capsys):
    client = console_app.test_client()
    caplog.set_level(logging.DEBUG)
    seen = []
    for body in [{"token": TOKEN + "x"}, {"token": TOKEN}]:
        response = client.post("/api/console/sign-in", json=body)
        seen.append(response.get_data(as_text=True) + str(response.headers))
    for path in ["/admin", "/api/console/sign-in", "/api/documents", "/static/console.js", "/static/console.html"]:
        with client.get(path) as response:
            seen.append(response.get_data(as_text=True) + str(response.headers))
    captured = capsys.readouterr()
    for text in [*seen, caplog.text, captured.out, captured.err]:
        assert TOKEN not in text
    assert "POST /api/console/sign-in 200" in caplog.text  # the request log did run


def test_the_article_preview_shows_passages_and_sections(browser_client):
    client, _ = browser_client
    name = client.get("/api/documents").get_json()["documents"][0]["source"]
    preview = client.get(f"/api/documents/{name}").get_json()
    assert preview["source"] == name and preview["passages"] and preview["sections"]
    assert preview["passages"][0]["id"].startswith(f"{name}:")
    missing = client.get("/api/documents/nothing.txt")
    assert missing.status_code == 404 and "GET /api/documents" in missing.get_json()["error"]
