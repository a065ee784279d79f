"""bench/bad_requests.py's hand-made attacks, each sent raw to a real server: the expected refusal, the API's error
shape and our security headers, and nothing changed on disk (bench/attack.py sends the same, and more)."""
from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bad_requests import bad_requests, judge, send_raw  # noqa: E402

NAMES = [what for what, _, _ in bad_requests("token")]  # the same list, whatever the token
requests_with = functools.cache(bad_requests)


@pytest.fixture(scope="module")
def before(scratch_app):
    """The scratch corpus and index as they were before the first attack."""
    return snapshot(scratch_app)


def snapshot(app) -> dict[str, str]:
    holder = app.extensions["assistant"]
    files = [p for p in holder.corpus_dir.iterdir() if p.name != ".assistant.lock"] + [holder.index_path]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.parametrize("number", range(len(NAMES)), ids=NAMES)
def test_a_hand_made_bad_request_is_refused_in_our_shape(scratch_app, scratch_url, before, number):
    what, request_bytes, expected = requests_with(scratch_app.config["ADMIN_TOKEN"])[number]
    status, ok = judge(send_raw(scratch_url, request_bytes), expected)
    assert ok, f"{what}: answered {status}, expected one of {sorted(expected)} with our headers"


def test_after_the_attacks_the_corpus_and_index_are_unchanged(scratch_app, before):
    assert snapshot(scratch_app) == before
