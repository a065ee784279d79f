"""Remembered answers: the same question is computed once per index, and nothing stale is served."""
from __future__ import annotations

import gc

import pytest

from assistant.engine.index import from_token_lists
from assistant.errors import BadSetting
from assistant.web import api
from assistant.web.answer_cache import AnswerCache


@pytest.fixture
def counted(monkeypatch):
    """Count the engine's answers behind the API."""
    calls = []
    real = api.answer

    def answer(*args):
        calls.append(args[1:])
        return real(*args)

    monkeypatch.setattr(api, "answer", answer)
    return calls


def test_a_repeated_question_is_answered_once_with_the_same_body_but_its_own_answer_id(client, counted):
    first = client.post("/api/answer", json={"question": "How do I stretch my hip flexors?"})
    again = client.post("/api/answer", json={"question": "  How do I stretch my hip flexors?  "})
    assert first.status_code == again.status_code == 200
    first_id, again_id = first.get_json().pop("answer_id"), again.get_json().pop("answer_id")
    assert first_id != again_id  # two askers never share (or rate) one recorded answer
    assert first.data.replace(first_id.encode(), b"") == again.data.replace(again_id.encode(), b"")
    assert len(counted) == 1


def test_history_and_top_k_are_part_of_the_question(client, counted):
    for body in [{"question": "How long?"}, {"question": "How long?", "history": ["stretch"]},
                 {"question": "How long?", "top_k": 1}]:
        client.post("/api/answer", json=body)
    assert len(counted) == 3


def test_size_zero_computes_every_answer(make_app, counted):
    client = make_app(ANSWER_CACHE_SIZE=0).test_client()
    for _ in range(2):
        client.post("/api/answer", json={"question": "psoas"})
    assert len(counted) == 2


@pytest.mark.parametrize("size", [-1, "many", 1.5, True])
def test_a_bad_size_is_refused_at_start(make_app, size):
    with pytest.raises(BadSetting, match="ANSWER_CACHE_SIZE"):
        make_app(ANSWER_CACHE_SIZE=size)


def test_the_least_recently_asked_answer_goes_first():
    cache, index, computed = AnswerCache(2), from_token_lists([["a"]]), []

    def get(key):
        return cache.get(index, key, lambda: computed.append(key) or key)

    for key in ["a", "b", "a", "c", "a", "b"]:
        get(key)
    assert computed == ["a", "b", "c", "b"]  # "b" was evicted by "c"; "a" stayed, being asked again


def test_each_index_has_its_own_answers_and_takes_them_when_it_goes():
    cache = AnswerCache(10)
    old, new = from_token_lists([["a"]]), from_token_lists([["a"]])
    assert cache.get(old, "q", lambda: "old answer") == "old answer"
    assert cache.get(new, "q", lambda: "new answer") == "new answer"
    assert cache.get(old, "q", lambda: "recomputed") == "old answer"
    del old
    gc.collect()
    assert len(cache._per_index) == 1
