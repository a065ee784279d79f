"""Ratings over HTTP and the reports on the command line and the admin API, on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import logging

import pytest

from assistant.cli import cli
from assistant.errors import BadSetting

STRETCH = "How do I stretch my hip flexors?"
FRANCE = "What is the capital of France?"
MUM_FELL = "my mum fell and can't stand"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(make_app, database_url):
    return make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False, ADMIN_TOKEN=TOKEN)


def ask(client, question, **body):
    response = client.post("/api/answer", json={"question": question, **body})
    assert response.status_code == 200
    return response.get_json()


def rate(client, answer_id, rating, **body):
    return client.post("/api/feedback", json={"answer_id": answer_id, "rating": rating, **body})


def report(runner, command, database_url, *options):
    result = runner.invoke(cli, [command, "--json", "--database", database_url, *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_thumbs_down_shows_up_in_assistant_feedback(client, runner, database_url):
    answered = ask(client, STRETCH)
    response = rate(client, answered["answer_id"], "down", comment="  It does not say how often.  ")
    assert response.status_code == 200
    assert response.get_json() == {"answer_id": answered["answer_id"], "rating": "down",
                                   "comment": "It does not say how often."}
    [rated] = report(runner, "feedback", database_url)["answers"]
    assert (rated["down"], rated["up"], rated["answer"]) == (1, 0, answered["answer"])
    assert rated["passages"] == [passage["id"] for passage in answered["passages"]]
    assert rated["questions"] == [{"question": STRETCH, "history": [], "count": 1}]
    assert rated["comments"] == ["It does not say how often."]
    shown = runner.invoke(cli, ["feedback", "--database", database_url]).output
    assert "1 down, 0 up" in shown and STRETCH in shown and "comment: It does not say how often." in shown


def test_an_unanswered_question_shows_up_in_assistant_unanswered(app, client, runner, database_url):
    for question in [FRANCE, "capital of france?", STRETCH]:
        ask(client, question)
    assert ask(client, FRANCE)["found"] is False
    app.extensions["recorder"].flush()
    [france] = report(runner, "unanswered", database_url)["questions"]
    assert (france["question"], france["count"], france["not_found"]) == (FRANCE, 3, 3)
    assert france["variants"] == [{"question": FRANCE, "count": 2}, {"question": "capital of france?", "count": 1}]
    shown = runner.invoke(cli, ["unanswered", "--database", database_url]).output
    assert f"3  {FRANCE}" in shown and "capital of france?" in shown
    assert "urgent" not in shown


def test_an_emergency_is_reported_apart_never_as_a_gap(app, client, runner, database_url):
    for question in [MUM_FELL, MUM_FELL, FRANCE]:
        ask(client, question)
    app.extensions["recorder"].flush()
    unanswered = report(runner, "unanswered", database_url)
    assert [gap["question"] for gap in unanswered["questions"]] == [FRANCE]
    assert unanswered["urgent"]["count"] == 2 and unanswered["urgent"]["questions"][0]["question"] == MUM_FELL
    assert client.get("/api/reports/unanswered", headers=AUTH).get_json() == unanswered
    shown = runner.invoke(cli, ["unanswered", "--database", database_url]).output
    gaps, urgent = shown.split("2 urgent question(s), answered with the urgent-care advice")
    assert FRANCE in gaps and MUM_FELL not in gaps
    assert f"2  {MUM_FELL}" in urgent and FRANCE not in urgent


def test_the_admin_reports_return_what_the_commands_print(client, runner, database_url):
    rate(client, ask(client, FRANCE)["answer_id"], "down", comment="Not about hips.")
    for path, command in [("/api/reports/feedback", "feedback"), ("/api/reports/unanswered", "unanswered")]:
        assert client.get(path).status_code == 401
        response = client.get(f"{path}?since=7&limit=5", headers=AUTH)
        assert response.status_code == 200
        assert response.get_json() == report(runner, command, database_url, "--since", "7", "--limit", "5")
        assert response.get_json()["since_days"] == 7
        for query, reason in [("since=0", "since must be"), ("since=x", "since must be"),
                              ("since=1000000", "from 1 to 36500"), ("limit=0", "limit must be"),
                              ("limit=1001", "limit must be"), ("since=+7", "since must be"),
                              ("limit=7.0", "limit must be a whole number from 1 to 1000"),
                              ("days=7", "unknown parameter(s) 'days'; the query string takes since, limit")]:
            refused = client.get(f"{path}?{query}", headers=AUTH)
            assert refused.status_code == 400 and reason in refused.get_json()["error"]


def test_each_answer_gets_its_own_id_even_from_the_cache(app, client, database_url):
    first, again = ask(client, STRETCH), ask(client, STRETCH)
    assert first["answer_id"] != again["answer_id"]
    assert rate(client, first["answer_id"], "up").status_code == 200
    assert rate(client, again["answer_id"], "down").status_code == 200
    ratings = {row["answer_id"]: row["rating"] for row in app.extensions["store"].rated()}
    assert ratings == {first["answer_id"]: "up", again["answer_id"]: "down"}


def test_a_later_rating_replaces_the_earlier_one(app, client, database_url):
    answer_id = ask(client, STRETCH)["answer_id"]
    rate(client, answer_id, "down", comment="hm")
    assert rate(client, answer_id, "up").get_json()["comment"] is None
    assert [(row["rating"], row["comment"]) for row in app.extensions["store"].rated()] == [("up", None)]


@pytest.mark.parametrize("body, reason", [
    ({"answer_id": "not-an-id", "rating": "up"}, "unknown answer_id 'not-an-id'"),
    ({"rating": "up"}, "answer_id is missing"),
    ({"answer_id": 7, "rating": "up"}, "answer_id must be a string, not 7"),
    ({"answer_id": "ANSWER", "rating": "meh"}, 'rating must be "up" or "down", not \'meh\''),
    ({"answer_id": "ANSWER"}, "rating is missing; send {"),
    ({"answer_id": "ANSWER", "rating": "down", "comment": "x" * 1001}, "comment is 1001 characters long; the limit is 1000"),
    ({"answer_id": "ANSWER", "rating": "down", "comment": ["x"]}, "comment must be a string"),
    ({"answer_id": "ANSWER", "rating": "down", "stars": 5}, "unknown field(s) 'stars'"),
])
def test_bad_feedback_gets_400_with_the_reason(client, body, reason):
    answer_id = ask(client, STRETCH)["answer_id"]
    if body.get("answer_id") == "ANSWER":
        body = {**body, "answer_id": answer_id}
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]


def test_an_answer_id_not_recorded_here_gets_404(client):
    response = rate(client, "0" * 32, "up")
    assert response.status_code == 404
    assert "unknown answer_id '00000000000000000000000000000000'" in response.get_json()["error"]


def test_a_comment_of_the_largest_size_is_taken_and_a_blank_one_is_none(client):
    answer_id = ask(client, STRETCH)["answer_id"]
    assert rate(client, answer_id, "down", comment="x" * 1000).status_code == 200
    assert rate(client, answer_id, "down", comment=" \n ").get_json()["comment"] is None


def test_feedback_that_is_not_json_gets_415_or_400(client):
    assert client.post("/api/feedback", data="rating=up").status_code == 415
    refused = client.post("/api/feedback", data="[1]", content_type="application/json")
    assert refused.status_code == 400 and '"answer_id"' in refused.get_json()["error"]


def test_recording_off_records_nothing_and_takes_no_ratings(make_app, database_url, runner):
    client = make_app(DATABASE_URL=database_url, RECORD_QUESTIONS=False).test_client()
    answered = ask(client, FRANCE)
    assert answered["answer_id"] is None
    response = rate(client, "0" * 32, "down")
    assert response.status_code == 403 and "ASSISTANT_RECORD_QUESTIONS=false" in response.get_json()["error"]
    assert report(runner, "unanswered", database_url)["questions"] == []


@pytest.mark.parametrize("url", ["sqlite:////proc/no-such-folder/feedback.db", "postgresql://nobody@127.0.0.1:1/x"])
def test_a_database_that_cannot_be_reached_never_breaks_answering(make_app, url, caplog):
    app = make_app(DATABASE_URL=url, RATELIMIT_ENABLED=False)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        answered = ask(client, STRETCH)
        assert answered["found"] and answered["answer_id"]
        app.extensions["recorder"].flush()
        response = rate(client, answered["answer_id"], "down")
    assert response.status_code == 503
    assert response.get_json() == {"error": "ratings cannot be stored or read right now; the server's log says why"}
    assert "answers not recorded (1 dropped): the database" in caplog.text
    assert "feedback database unavailable" in caplog.text


@pytest.mark.parametrize("setting, value, message", [
    ("RECORD_QUESTIONS", "no", "RECORD_QUESTIONS must be true or false, not 'no'"),
    ("RETENTION_DAYS", 0, "ASSISTANT_RETENTION_DAYS must be a whole number of days from 1 to 36500, not 0"),
    ("RETENTION_DAYS", "ninety", "not 'ninety'"),
    ("DATABASE_URL", "sqlite:///:memory:", "must name a SQLite file"),
    ("DATABASE_URL", "nosuchdb://x", "ASSISTANT_DATABASE_URL cannot be used"),
])
def test_bad_settings_are_refused_at_start(make_app, setting, value, message):
    with pytest.raises(BadSetting, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_app(**{setting: value})


def test_settings_come_from_the_environment(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_RECORD_QUESTIONS", "false")
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "30")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    app = make_app()
    assert app.extensions["recorder"] is None
    assert app.extensions["store"].retention_days == 30
    assert app.extensions["store"].where == f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "-1")
    with pytest.raises(BadSetting, match="ASSISTANT_RETENTION_DAYS"):
        make_app()


def test_the_commands_say_what_is_wrong(runner, monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "soon")
    refused = runner.invoke(cli, ["feedback"])
    assert refused.exit_code == 2 and "ASSISTANT_RETENTION_DAYS must be a whole number" in refused.output
    monkeypatch.delenv("ASSISTANT_RETENTION_DAYS")
    unreachable = runner.invoke(cli, ["unanswered", "--database", "postgresql://u:pw@127.0.0.1:1/x"])
    assert unreachable.exit_code == 1 and "cannot be used: connection" in unreachable.output
    assert "pw" not in unreachable.output
    assert runner.invoke(cli, ["feedback", "--since", "0"]).exit_code == 2


def test_the_commands_read_the_default_database(runner, monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANT_DATABASE_URL")
    monkeypatch.setattr("platformdirs.user_data_dir", lambda name: str(tmp_path / name))
    shown = runner.invoke(cli, ["unanswered"])
    assert shown.exit_code == 0 and shown.output == "No question went unanswered.\n"
    assert (tmp_path / "assistant" / "feedback.db").is_file()


def test_the_admin_reports_delete_what_the_servers_retention_no_longer_keeps(make_app, tmp_path):
    # A server that does not record has no recorder to purge: its reports do, by its own retention.
    from datetime import timedelta

    from assistant.store import Store, answer_row, new_answer_id
    from assistant.store.answers import utc_now

    url = f"sqlite:///{tmp_path / 'f.db'}"
    store = Store(url, 365)
    for days_ago in (400, 200):
        row = answer_row(new_answer_id(), f"psoas question of {days_ago} days ago", [],
                         {"found": False, "confidence": None, "urgent": False, "answer": "x", "passages": []})
        row["asked_at"] = utc_now() - timedelta(days=days_ago)
        store.add([row])
    client = make_app(DATABASE_URL=url, RECORD_QUESTIONS=False, RETENTION_DAYS=365, ADMIN_TOKEN=TOKEN).test_client()
    listed = client.get("/api/reports/unanswered", headers=AUTH).get_json()["questions"]
    assert [item["question"] for item in listed] == ["psoas question of 200 days ago"]
    assert [row["question"] for row in store.unanswered()] == ["psoas question of 200 days ago"]
