"""The clients of bench/cluster.py: steady load of questions from several loopback addresses, single requests
from a chosen address, and wrk for answers/s.

Each client has an address of its own in 127.0.0.0/8 (all of it is loopback on Linux), so that
nginx passes it on in X-Forwarded-For and each client has a rate limit of its own, as behind a
real proxy.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import threading
import time
from urllib.parse import urlsplit

from http_load import QUESTIONS, answer_script, run_wrk

TIMEOUT_S = 30
_probe_addresses = (f"127.0.{2 + n // 250}.{n % 250 + 1}" for n in itertools.cycle(range(250 * 50)))


def call(url: str, method: str, path: str, body=None, token: str | None = None,
         client: str = "127.0.0.1") -> tuple[int | str, dict]:
    """Send one request from `client`; return (status, JSON body or {}), or (the error's name, {}) when none came."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S, source_address=(client, 0))
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        data = response.read()
    except OSError as error:
        return type(error).__name__, {}
    finally:
        connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, {}


def ask(url: str, question: str, client: str) -> tuple[int | str, dict]:
    """Ask one question from `client`; return (status, answer)."""
    return call(url, "POST", "/api/answer", {"question": question}, client=client)


def rated_sources(url: str, question: str) -> list[str]:
    """Return the articles a server's answer to `question` cites ([] when it found none), asked from a fresh address
    each time, so that checking often never meets the rate limit."""
    status, answer = ask(url, question, next(_probe_addresses))
    if status != 200 or not answer.get("found"):
        return []
    return [passage["citation"]["source"] for passage in answer["passages"]]


def wrk(url: str, seconds: float) -> dict:
    """Return wrk's figures for POST /api/answer over bench/http_load.py's questions (16 connections, 2 threads)."""
    return run_wrk(url, answer_script(), argparse.Namespace(threads=2, connections=16, duration=max(1, round(seconds))))


class Load:
    """Clients asking questions through `url` at `rate` questions/s in all, each from its own address, on threads
    of their own until the with-block ends; counts what came back."""

    def __init__(self, url: str, clients: int, rate: float):
        self.parts = urlsplit(url)
        self.interval = clients / rate  # each client's time between two questions
        self.addresses = [f"127.0.1.{n + 1}" for n in range(clients)]
        self.sent = self.ok = self.limited = self.failed = self.resent = 0
        self.errors: list[str] = []  # the first few failures, to say what they were
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(address, n), daemon=True)
                         for n, address in enumerate(self.addresses)]
        self.started = self.ended = 0.0

    def __enter__(self):
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT_S + 5)
        self.ended = time.monotonic()

    def run_until(self, moment: float) -> None:
        """Let the load run until `moment` (time.monotonic())."""
        time.sleep(max(0.0, moment - time.monotonic()))

    def _client(self, address: str, number: int) -> None:
        connection, used = None, False
        questions = itertools.cycle(QUESTIONS[number:] + QUESTIONS[:number])
        next_at = time.monotonic() + self.interval * number / len(self.addresses)  # spread the clients out
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            next_at += self.interval
            body = json.dumps({"question": next(questions)})
            for attempt in range(2):
                if connection is None:
                    connection, used = http.client.HTTPConnection(
                        self.parts.hostname, self.parts.port, timeout=TIMEOUT_S, source_address=(address, 0)), False
                try:
                    connection.request("POST", "/api/answer", body, {"Content-Type": "application/json"})
                    response = connection.getresponse()
                    response.read()
                    outcome, used = response.status, True
                    break
                except (OSError, http.client.HTTPException) as error:
                    outcome = f"{type(error).__name__}: {error}"
                    connection.close()
                    connection, reused = None, used
                    # An idle kept-alive connection that nginx closed (a reload ends its old workers) as the
                    # question went out: no answer was begun, and a browser sends it again on a new
                    # connection, once. Counted apart; any other error is a failure.
                    if not (reused and attempt == 0 and isinstance(error, (BrokenPipeError, ConnectionResetError))):
                        break
                    with self._lock:
                        self.resent += 1
            self._count(outcome)

    def _count(self, outcome) -> None:
        with self._lock:
            self.sent += 1
            if outcome == 200:
                self.ok += 1
            elif outcome == 429:
                self.limited += 1
            else:
                self.failed += 1
                if len(self.errors) < 5:
                    self.errors.append(str(outcome))
