"""The request log: one line per request on stderr, never a question unless allowed."""
from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest

from assistant.errors import BadSetting

SECRET = "my secret psoas question"


def logged(caplog) -> list[str]:
    """Return the request log's lines so far."""
    return [record.getMessage() for record in caplog.records if record.name == "assistant.requests"]


def test_one_line_per_request_with_method_path_status_and_milliseconds(make_app, caplog):
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="assistant.requests"):
        client.get("/api/health")
        client.post("/api/answer", json={"question": SECRET})
        client.delete("/api/health")
    lines = logged(caplog)
    assert len(lines) == 3
    assert re.fullmatch(r"GET /api/health 200 \d+\.\d ms", lines[0])
    assert re.fullmatch(r"POST /api/answer 200 \d+\.\d ms", lines[1])  # the body, the question, is never logged
    assert re.fullmatch(r"DELETE /api/health 405 \d+\.\d ms", lines[2])


def test_a_query_string_is_logged_only_when_questions_may_be(make_app, caplog):
    with caplog.at_level(logging.INFO, logger="assistant.requests"):
        make_app().test_client().get("/api/health", query_string={"q": SECRET})
        make_app(LOG_QUESTIONS=False).test_client().get("/api/health", query_string={"q": SECRET})
    allowed, kept_out = logged(caplog)
    assert allowed.startswith("GET /api/health?q=my+secret+psoas+question 200 ")
    assert kept_out.startswith("GET /api/health 200 ")


def test_the_log_can_be_switched_off(make_app, caplog):
    with caplog.at_level(logging.INFO, logger="assistant.requests"):
        make_app(REQUEST_LOG=False).test_client().get("/api/health")
    assert logged(caplog) == []
    with pytest.raises(BadSetting, match="REQUEST_LOG must be true or false"):
        make_app(REQUEST_LOG="no")


def test_by_default_the_lines_go_to_stderr(tmp_path):
    # A fresh process, without pytest's logging: as `assistant serve` runs.
    code = ("from assistant import create_app; client = create_app().test_client(); "
            "client.get('/?q=my+secret'); client.get('/no/such/page')")
    env = {**os.environ, "ASSISTANT_LOG_QUESTIONS": "false", "ASSISTANT_INDEX": str(tmp_path / "unused.npz")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    lines = result.stderr.splitlines()
    assert result.stdout == "" and len(lines) == 2, result.stderr
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} GET / 200 \d+\.\d ms", lines[0])
    assert re.fullmatch(r"\S+ \S+ GET /no/such/page 404 \d+\.\d ms", lines[1])
    assert "secret" not in result.stderr
