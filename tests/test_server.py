"""The waitress server and the `serve` command: real HTTP on a loopback port."""
from __future__ import annotations

import json
import re
import socket
import urllib.request

import pytest
from waitress import wasyncore

from assistant import server
from assistant.cli import cli
from assistant.errors import BadSetting


def fetch(url: str, body: dict | None = None):
    """Return (status, headers, JSON) of a GET, or of a POST of `body` as JSON."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, json.loads(response.read())


@pytest.fixture
def no_serving(monkeypatch):
    """Make server.run return at once instead of serving forever; yield the servers it made."""
    made = []
    real = server.make_server

    def make_and_stop(*args, **kwargs):
        made.append(real(*args, **kwargs))
        made[-1].run = lambda: None
        return made[-1]

    monkeypatch.setattr(server, "make_server", make_and_stop)
    yield made
    for made_server in made:
        wasyncore.close_all(made_server._map)
        made_server.task_dispatcher.shutdown()


@pytest.fixture
def busy_port():
    """A loopback port that something else is already listening on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_serves_the_api_over_http(app):
    with server.serve_in_thread(app) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        status, headers, body = fetch(url + "api/health")
        assert status == 200 and body["status"] == "ok"
        assert headers["Server"] == "waitress"
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        status, _, result = fetch(url + "api/answer", {"question": "How do I stretch my hip flexors?"})
        assert status == 200 and result["found"] is True


def test_run_prints_the_url(no_serving, capsys, corpus_dir, built_index):
    server.run(corpus_dir, built_index, "127.0.0.1", 0)
    port = no_serving[0].effective_port
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_a_port_in_use_is_a_clear_error(app, busy_port):
    with pytest.raises(BadSetting, match=f"cannot listen on 127.0.0.1:{busy_port}.*--port"):
        server.make_server(app, "127.0.0.1", busy_port)


def test_serve_command_prints_the_url(runner, no_serving, corpus_dir, built_index):
    result = runner.invoke(cli, ["--corpus", str(corpus_dir), "--index", str(built_index), "serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{no_serving[0].effective_port}/" in result.output


def test_serve_command_on_a_busy_port_says_so(runner, corpus_dir, built_index, busy_port):
    result = runner.invoke(cli, ["--corpus", str(corpus_dir), "--index", str(built_index),
                                 "serve", "--port", str(busy_port)])
    assert result.exit_code == 2
    assert "cannot listen" in result.output and "Traceback" not in result.output
