"""Several servers behind nginx: the trusted proxy's X-Forwarded-For, a response's head sent with its body, the
shipped nginx file as bench/cluster.py fills it in, and bench/cluster.py itself in a short run (PostgreSQL, Redis,
three servers, nginx, 20 s of load)."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from waitress import wasyncore

from assistant.web.server import serve_in_thread
from pg_server import find_bin_dir, run_as

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
from cluster_parts import site_config  # noqa: E402


def ask(url: str, source: str, forwarded_for: str) -> int:
    """POST a question from the loopback address `source`, claiming X-Forwarded-For; return the status."""
    host, port = url.removeprefix("http://").strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request("POST", "/api/answer", json.dumps({"question": "psoas"}),
                           {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_behind_the_trusted_proxy_each_forwarded_client_has_its_own_limit(make_app):
    app = make_app(TRUSTED_PROXY="127.0.0.1", RATE_LIMIT="2 per minute")
    with serve_in_thread(app) as url:
        assert [ask(url, "127.0.0.1", "10.0.0.1") for _ in range(3)] == [200, 200, 429]
        assert ask(url, "127.0.0.1", "10.0.0.2") == 200  # another client behind the proxy


def test_x_forwarded_for_from_any_other_address_is_ignored(make_app):
    app = make_app(TRUSTED_PROXY="127.0.0.1", RATE_LIMIT="2 per minute")
    with serve_in_thread(app) as url:
        # A client reaching the server directly cannot pose as others to escape its limit...
        assert [ask(url, "127.0.0.5", f"10.0.0.{n}") for n in range(3)] == [200, 200, 429]
        # ...nor spend theirs.
        assert ask(url, "127.0.0.1", "10.0.0.0") == 200


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(make_app):
    app = make_app(RATE_LIMIT="2 per minute")
    with serve_in_thread(app) as url:
        assert [ask(url, "127.0.0.1", f"10.0.0.{n}") for n in range(3)] == [200, 200, 429]


def test_a_response_head_goes_out_with_its_body(make_app, monkeypatch):
    # A server killed between the two would leave nginx with a head it has passed on, unable to retry.
    sends = []
    send = wasyncore.dispatcher.send

    def recorded_send(self, data, *args, **kwargs):
        sends.append(bytes(data))
        return send(self, data, *args, **kwargs)

    monkeypatch.setattr(wasyncore.dispatcher, "send", recorded_send)
    with serve_in_thread(make_app()) as url:
        body = urllib.request.urlopen(url + "api/health", timeout=30).read()
    first = next(chunk for chunk in sends if chunk.startswith(b"HTTP/1.1 200"))
    assert first.endswith(body)


def test_the_shipped_nginx_file_gets_the_servers_and_port_of_the_run():
    three = site_config([5001, 5002, 5003], 6000)
    assert all(f"server 127.0.0.1:{port} max_fails" in three for port in (5001, 5002, 5003))
    assert "listen 127.0.0.1:6000;" in three and "127.0.0.1:8080" not in three and "127.0.0.1:800" not in three
    one = site_config([5001], 6000)
    assert "127.0.0.1:5001" in one and "5002" not in one and "5003" not in one


def missing_programs() -> list[str]:
    """Return what bench/cluster.py needs and this machine lacks."""
    missing = [name for name in ("nginx", "redis-server", "wrk") if not shutil.which(name)]
    if find_bin_dir() is None:
        missing.append("postgresql")
    else:
        try:
            run_as()
        except LookupError:
            missing.append("a 'postgres' user to run PostgreSQL as, since we are root")
    return missing


@pytest.mark.cluster
def test_three_servers_behind_nginx_pass_every_check_under_load(built_index):
    missing = missing_programs()
    if missing:
        reason = f"no cluster: missing {', '.join(missing)} (apt-get install nginx redis-server postgresql wrk)"
        if os.environ.get("ASSISTANT_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"{reason}, and ASSISTANT_REQUIRE_CLUSTER=1 makes the cluster test mandatory")
        pytest.skip(reason)
    done = subprocess.run([sys.executable, str(BENCH / "cluster.py"), "--seconds", "20", "--speed-seconds", "2",
                           "--index", str(built_index)], capture_output=True, text=True, timeout=300,
                          env=os.environ | {"PYTHONUNBUFFERED": "1"})
    report = done.stdout + done.stderr[-3000:]
    assert done.returncode == 0, report
    assert "all checks pass" in done.stdout and " 0 failed of " in done.stdout, report
