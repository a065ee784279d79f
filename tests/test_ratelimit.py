"""The rate limit's counting: windows, expiry, many threads at once, and the headers it sends."""
from __future__ import annotations

import threading

import pytest
from limits.errors import StorageError
from werkzeug.exceptions import TooManyRequests

from assistant.errors import BadSetting
from assistant.web.ratelimit import ProcessStorage, RateLimit


def test_counts_each_client_apart_and_refuses_past_the_limit():
    limit = RateLimit("2 per minute", "memory://")
    assert limit.hit("10.0.0.1")["X-RateLimit-Remaining"] == "1"
    assert limit.hit("10.0.0.1")["X-RateLimit-Remaining"] == "0"
    with pytest.raises(TooManyRequests) as refused:
        limit.hit("10.0.0.1")
    assert refused.value.description == "2 per 1 minute"
    assert 1 <= int(refused.value.get_response().headers["Retry-After"]) <= 61
    assert limit.hit("10.0.0.2")["X-RateLimit-Limit"] == "2"  # another address has its own count


def test_every_limit_of_a_list_applies():
    limit = RateLimit("5 per minute; 1 per hour", "memory://")
    limit.hit("a")
    with pytest.raises(TooManyRequests, match="1 per 1 hour"):
        limit.hit("a")


def test_headers_can_be_left_out():
    assert RateLimit("5 per minute", "memory://", headers=False).hit("a") == {}


def test_a_window_ends_and_counting_starts_again(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("assistant.web.ratelimit.time.time", lambda: now[0])
    storage = ProcessStorage()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") == 1060.0
    now[0] = 1060.0
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1 and storage.get_expiry("k") == 1120.0


def test_expired_counts_are_swept(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("assistant.web.ratelimit.time.time", lambda: now[0])
    monkeypatch.setattr(ProcessStorage, "SWEEP_EVERY", 10)
    storage = ProcessStorage()
    for client in range(9):
        storage.incr(f"old-{client}", 60)
    now[0] = 2000.0
    storage.incr("new", 60)  # the tenth count sweeps
    assert storage._counts.keys() == {"new"}


def test_threads_counting_at_once_lose_no_count_and_raise_nothing():
    storage = ProcessStorage()
    errors = []

    def count():
        try:
            for _ in range(2000):
                storage.incr("shared", 60)
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(error)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert storage.get("shared") == 16000


@pytest.mark.parametrize("rate", ["lots", "", "5 per fortnight"])
def test_a_rate_not_understood_is_refused(rate):
    with pytest.raises(BadSetting, match="120 per minute"):
        RateLimit(rate, "memory://")


def test_an_unknown_storage_is_refused():
    with pytest.raises(BadSetting, match="memory://"):
        RateLimit("5 per minute", "bogus://nowhere")


def test_a_storage_that_fails_lets_questions_through_and_says_why(monkeypatch, caplog):
    limit = RateLimit("1 per minute", "memory://")

    def unreachable(*args, **kwargs):
        raise StorageError(ConnectionError("redis is down"))

    monkeypatch.setattr(limit.counter, "hit", unreachable)
    assert limit.hit("a") == {} and limit.hit("a") == {}
    assert "redis is down" in caplog.text


def test_failures_are_counted_apart_and_refused_once_used_up():
    failures = RateLimit("2 per minute", "memory://", scope="admin-token", counted="wrong admin tokens")
    for _ in range(2):
        failures.check("10.0.0.1")  # not used up yet: nothing raised, nothing counted
        failures.count("10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        failures.check("10.0.0.1")
    assert refused.value.description == "2 wrong admin tokens per 1 minute"
    assert 1 <= int(refused.value.get_response().headers["Retry-After"]) <= 61
    failures.check("10.0.0.2")  # another address has its own count


def test_a_storage_that_fails_counts_no_failure_and_says_why(monkeypatch, caplog):
    failures = RateLimit("1 per minute", "memory://", scope="admin-token")

    def unreachable(*args, **kwargs):
        raise StorageError(ConnectionError("redis is down"))

    monkeypatch.setattr(failures.counter, "hit", unreachable)
    monkeypatch.setattr(failures.counter, "test", unreachable)
    failures.count("a")
    failures.check("a")
    assert "redis is down" in caplog.text
