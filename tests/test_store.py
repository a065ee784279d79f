"""The feedback store without Flask: schema and migrations, recording, ratings, retention, reports, several
writers at once; each test on a new SQLite file and on a new PostgreSQL database (when the server is installed)."""
from __future__ import annotations

import logging
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from assistant.errors import BadSetting, StoreUnavailable
from assistant.store import (Recorder, Store, answer_row, feedback_report, new_answer_id, question_key,
                             unanswered_report)
from assistant.store import recorder as recorder_module
from assistant.store import schema
from assistant.store.answers import utc_now

FOUND = {"answer": "Hold each stretch for 30 seconds.", "found": True, "confidence": "high", "urgent": False,
         "passages": [{"id": "stretching.txt:10-200"}, {"id": "stretching.txt:300-500"}]}
LOW = {**FOUND, "confidence": "low", "passages": [{"id": "anatomy.txt:0-90"}]}
NOT_FOUND = {"answer": "Sorry, our articles do not answer that.", "found": False, "confidence": None,
             "urgent": False, "passages": []}


@pytest.fixture
def store(database_url):
    opened = Store(database_url)
    yield opened
    opened.close()


def add(store, question, result, history=(), days_ago=0):
    """Record one answer (asked `days_ago` days ago) and return its id."""
    row = answer_row(new_answer_id(), question, list(history), result)
    row["asked_at"] -= timedelta(days=days_ago)
    store.add([row])
    return row["answer_id"]


def test_a_new_database_gets_the_tables_and_its_schema_version(store):
    store.add([])  # nothing to write: nothing touched
    assert not inspect(store.engine).has_table("assistant_answers")
    add(store, "What is the psoas?", FOUND)
    with store.engine.connect() as connection:
        assert connection.scalars(select(schema.schema_version.c.version)).all() == [schema.SCHEMA_VERSION]
    assert set(inspect(store.engine).get_table_names()) >= {"assistant_answers", "assistant_schema_version"}


def test_an_answer_is_recorded_with_what_was_returned(store):
    answer_id = add(store, "How long do I hold it?", FOUND, history=["How do I stretch my psoas?"])
    assert store.rate(answer_id, "down", "Too short.")
    [row] = store.rated()
    assert row["question"] == "How long do I hold it?" and row["history"] == ["How do I stretch my psoas?"]
    assert row["passage_ids"] == ["stretching.txt:10-200", "stretching.txt:300-500"]
    assert (row["found"], row["confidence"], row["urgent"]) == (True, "high", False)
    assert (row["rating"], row["comment"]) == ("down", "Too short.")
    assert abs(row["asked_at"] - utc_now()) < timedelta(minutes=1)


def test_a_later_rating_replaces_the_first_and_an_unknown_id_is_refused(store):
    answer_id = add(store, "What is the psoas?", FOUND)
    assert store.rate(answer_id, "down", "wrong")
    assert store.rate(answer_id, "up")
    assert [(row["rating"], row["comment"]) for row in store.rated()] == [("up", None)]
    assert not store.rate(new_answer_id(), "up")


def test_text_any_database_takes(store):
    question = "psoas\x00 pain \ud800?"  # PostgreSQL refuses NUL; a lone surrogate is not UTF-8
    answer_id = add(store, question, NOT_FOUND, history=["a\x00b"])
    assert store.rate(answer_id, "down", "bad\x00comment \udfff")
    [row] = store.rated()
    assert row["question"] == "psoas\ufffd pain \ufffd?" and row["history"] == ["a\ufffdb"]
    assert row["comment"] == "bad\ufffdcomment \ufffd"


def test_old_answers_are_purged_and_since_limits_what_is_read(store):
    old, recent = add(store, "old psoas question", NOT_FOUND, days_ago=100), add(store, "new one", NOT_FOUND)
    add(store, "last week's", NOT_FOUND, days_ago=7)
    assert [row["question"] for row in store.unanswered(since_days=3)] == ["new one"]
    assert store.purge() == 1  # after 90 days
    assert [row["question"] for row in store.unanswered()] == ["new one", "last week's"]
    assert not store.rate(old, "up") and store.rate(recent, "up")


def test_reading_a_report_deletes_nothing(store):
    # The reader's retention may not be the recording server's: only the recorder purges.
    add(store, "an old psoas question", NOT_FOUND, days_ago=200)
    assert unanswered_report(store)["questions"] and feedback_report(store) is not None
    assert [row["question"] for row in store.unanswered()] == ["an old psoas question"]


def test_the_feedback_report_puts_the_answers_rated_down_most_first(store):
    for question, rating in [("How long do I hold it?", "down"), ("how long to hold a stretch", "down"),
                             ("How long do I hold it?", "down"), ("hold time?", "up")]:
        store.rate(add(store, question, FOUND), rating, "too vague" if question == "hold time?" else None)
    store.rate(add(store, "What is the psoas?", LOW), "down", "not what I asked")
    store.rate(add(store, "Is it a bone?", LOW), "up")
    store.rate(add(store, "Will it hurt?", NOT_FOUND), "up")  # never rated down: not reported
    report = feedback_report(store)
    assert report["since_days"] is None
    first, second = report["answers"]
    assert (first["down"], first["up"], first["answer"]) == (3, 1, FOUND["answer"])
    assert first["passages"] == ["stretching.txt:10-200", "stretching.txt:300-500"]
    assert first["questions"][0] == {"question": "How long do I hold it?", "history": [], "count": 2}
    assert first["comments"] == ["too vague"]
    assert (second["down"], second["up"], second["comments"]) == (1, 1, ["not what I asked"])
    assert second["confidence"] == "low" and second["last_rated"].endswith("Z")
    assert len(feedback_report(store, limit=1)["answers"]) == 1


def test_the_unanswered_report_groups_similar_questions(store):
    for question in ["What is the capital of France?", "capital of france", "France: what's its capital?",
                     "Can psoas pain cause nausea?", "Does iliopsoas help me sing?"]:
        add(store, question, NOT_FOUND)
    add(store, "Does psoas pain cause nausea?", LOW)
    add(store, "How do I stretch my psoas?", FOUND)  # answered: not reported
    report = unanswered_report(store)
    france, nausea, sing = report["questions"]
    assert (france["count"], france["not_found"], france["low_confidence"]) == (3, 3, 0)
    assert {variant["question"] for variant in france["variants"]} == {
        "What is the capital of France?", "capital of france", "France: what's its capital?"}
    assert (nausea["count"], nausea["not_found"], nausea["low_confidence"]) == (2, 1, 1)
    assert sing["question"] == "Does iliopsoas help me sing?" and sing["count"] == 1
    assert unanswered_report(store, limit=1)["questions"] == [france]


URGENT = {"answer": "This could be serious: get urgent care.", "found": False, "confidence": None, "urgent": True,
          "passages": []}


def test_urgent_questions_are_reported_apart_never_as_gaps(store):
    add(store, "my mum fell and can't stand", URGENT)
    add(store, "My mum fell and cannot stand!", URGENT)
    add(store, "sudden numbness in my leg", {**URGENT, "found": True, "confidence": "high"})  # urgent, answered
    add(store, "Does iliopsoas help me sing?", NOT_FOUND)
    report = unanswered_report(store)
    assert [gap["question"] for gap in report["questions"]] == ["Does iliopsoas help me sing?"]
    urgent = report["urgent"]
    assert urgent["count"] == 3
    fell, numb = urgent["questions"]
    assert fell["count"] == 2 and {v["question"] for v in fell["variants"]} == {
        "my mum fell and can't stand", "My mum fell and cannot stand!"}
    assert numb["question"] == "sudden numbness in my leg" and "not_found" not in numb
    assert unanswered_report(store, limit=1)["urgent"] == {"count": 3, "questions": [fell]}


def test_question_keys():
    assert question_key("How do I stretch my psoas?") == question_key("psoas stretches") == "psoa stretch"
    assert question_key("What is it?") == "what is it"  # stopwords alone: kept, not all one empty group


def test_a_newer_schema_is_refused(store):
    add(store, "What is the psoas?", FOUND)
    with store.engine.begin() as connection:
        connection.execute(schema.schema_version.update().values(version=schema.SCHEMA_VERSION + 1))
    newer = Store(store.engine.url.render_as_string(hide_password=False))
    try:
        with pytest.raises(StoreUnavailable, match="newer assistant"):
            newer.rated()
    finally:
        newer.close()


def test_an_older_schema_is_migrated_once(store, monkeypatch):
    add(store, "What is the psoas?", FOUND)
    steps = []

    def add_note_column(connection):
        steps.append(connection.dialect.name)
        connection.execute(text("ALTER TABLE assistant_answers ADD COLUMN note VARCHAR(20)"))

    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION, add_note_column)
    for _ in range(2):  # a second store (another process, a restart) finds it done
        later = Store(store.engine.url.render_as_string(hide_password=False))
        assert len(later.unanswered()) == 0
        later.close()
    assert len(steps) == 1
    assert "note" in {column["name"] for column in inspect(store.engine).get_columns("assistant_answers")}
    with store.engine.connect() as connection:
        assert connection.scalar(select(schema.schema_version.c.version)) == schema.SCHEMA_VERSION


def test_several_threads_write_at_once(store):
    def write(thread):
        for n in range(10):
            store.add([answer_row(new_answer_id(), f"question {thread}-{n}", [], NOT_FOUND)])

    threads = [threading.Thread(target=write, args=(thread,)) for thread in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.unanswered()) == 60


WRITER = """
import sys
from assistant.store import Store, answer_row, new_answer_id
store = Store(sys.argv[1])
result = {"answer": "no", "found": False, "confidence": None, "urgent": False, "passages": []}
for n in range(20):
    store.add([answer_row(new_answer_id(), f"from {sys.argv[2]}: {n}", [], result)])
store.close()
"""


def test_several_processes_share_one_new_database(database_url):
    # All three find an empty database and create the schema at the same time: one must win, none fail.
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, database_url, str(n)], stderr=subprocess.PIPE, text=True)
               for n in range(3)]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
        writer.stderr.close()
    store = Store(database_url)
    try:
        assert len(store.unanswered()) == 60
        with store.engine.connect() as connection:
            assert connection.scalars(select(schema.schema_version.c.version)).all() == [schema.SCHEMA_VERSION]
    finally:
        store.close()


def test_the_recorder_writes_in_the_background_and_ends_when_idle(store, monkeypatch):
    monkeypatch.setattr(recorder_module, "IDLE_S", 0.05)
    recorder = Recorder(store)
    old = answer_row(new_answer_id(), "too old to keep", [], NOT_FOUND)
    old["asked_at"] -= timedelta(days=91)
    recorder.record(old)  # written, then purged: the first batch also purges
    for n in range(5):
        recorder.record(answer_row(new_answer_id(), f"question {n}", [], NOT_FOUND))
    assert recorder.flush(timeout=10)
    assert sorted(row["question"] for row in store.unanswered()) == [f"question {n}" for n in range(5)]
    for _ in range(200):
        if recorder._thread is None:
            break
        threading.Event().wait(0.01)
    assert recorder._thread is None  # ended when idle ...
    recorder.record(answer_row(new_answer_id(), "one more", [], NOT_FOUND))
    assert recorder.flush(timeout=10)  # ... and started again by the next row
    assert len(store.unanswered()) == 6


@pytest.mark.parametrize("url", ["sqlite:////proc/no-such-folder/feedback.db", "postgresql://nobody@127.0.0.1:1/x"])
def test_a_database_that_cannot_be_reached_is_logged_and_skipped(url, caplog, monkeypatch):
    monkeypatch.setattr(recorder_module, "MAX_BACKOFF_S", 0.01)
    store = Store(url)
    recorder = Recorder(store)
    with caplog.at_level(logging.ERROR, logger="assistant.store.recorder"):
        recorder.record(answer_row(new_answer_id(), "psoas?", [], NOT_FOUND))
        assert recorder.flush(timeout=10)
    assert "answers not recorded (1 dropped): the database" in caplog.text
    with pytest.raises(StoreUnavailable, match="cannot be used"):
        store.rate(new_answer_id(), "up")
    store.close()


@pytest.mark.parametrize("url, message", [
    ("not a url", "not a database URL"),
    ("sqlite://", "must name a SQLite file"),
    ("sqlite:///:memory:", "must name a SQLite file"),
    ("nosuchdb://host/x", "cannot be used"),
    ("postgresql://u:secret@host:abc/x", "not a database URL"),  # a port that is not a number
    ("postgresql+psycopg2://u:secret@host/x", "needs the Python module 'psycopg2'"),
])
def test_a_url_that_cannot_be_used_is_refused_at_once(url, message):
    with pytest.raises(BadSetting, match=message) as refused:
        Store(url)
    assert "secret" not in str(refused.value)


def test_a_password_is_never_shown(caplog):
    store = Store("postgresql://user:secret@127.0.0.1:1/x")
    with pytest.raises(StoreUnavailable) as failed:
        store.rated()
    assert "secret" not in str(failed.value) and "***" in str(failed.value)
    store.close()
