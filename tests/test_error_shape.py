"""Every error under /api/ has one shape: a JSON object {"error": "<what is wrong>"}, never HTML or a traceback."""
from __future__ import annotations

import pytest

from assistant.web import api

ASK = {"question": "How do I stretch my hip flexors?"}


def assert_error_shape(response, status: int) -> str:
    """Check that a response is the one JSON error shape with `status`; return its message."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict) and list(body) == ["error"]
    message = body["error"]
    assert isinstance(message, str) and message.strip()
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower() and "<!doctype" not in text.lower()
    return message


@pytest.mark.parametrize("method, path, kwargs, status", [
    ("get", "/api/nope", {}, 404),
    ("get", "/api", {}, 404),
    ("get", "/api/sources/nope.txt", {}, 404),
    ("get", "/api/sources/a/b", {}, 404),
    ("get", "/api/answer", {}, 405),
    ("put", "/api/answer", {"json": ASK}, 405),
    ("delete", "/api/health", {}, 405),
    ("post", "/api/sources", {"json": {}}, 405),
    ("post", "/api/answer", {"data": "{", "content_type": "application/json"}, 400),
    ("post", "/api/answer", {"json": {"question": " "}}, 400),
    ("post", "/api/answer", {"data": "x" * 20000, "content_type": "application/json"}, 413),
    ("post", "/api/answer", {"data": "question", "content_type": "text/plain"}, 415),
])
def test_every_api_error_is_json(client, method, path, kwargs, status):
    assert_error_shape(getattr(client, method)(path, **kwargs), status)


def test_405_names_the_allowed_method(client):
    response = client.get("/api/answer")
    assert "use POST" in assert_error_shape(response, 405)
    assert "POST" in response.headers["Allow"]


def test_429_is_json(make_app):
    client = make_app(RATE_LIMIT="1 per minute").test_client()
    client.post("/api/answer", json=ASK)
    assert "wait" in assert_error_shape(client.post("/api/answer", json=ASK), 429)


def test_unexpected_failure_is_a_json_500_without_details(client, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "answer", broken)
    message = assert_error_shape(client.post("/api/answer", json=ASK), 500)
    assert "secret" not in message
    assert "secret internals" in caplog.text  # logged for the operator, not shown to the user


def test_missing_corpus_is_a_json_503(make_app, tmp_path, caplog):
    client = make_app(CORPUS=str(tmp_path / "missing"), INDEX=str(tmp_path / "none.npz")).test_client()
    message = assert_error_shape(client.get("/api/health"), 503)
    assert str(tmp_path) not in message  # the server's paths stay in its log
    assert "ASSISTANT_CORPUS" in caplog.text
    assert_error_shape(client.post("/api/answer", json=ASK), 503)


def test_errors_outside_the_api_stay_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
