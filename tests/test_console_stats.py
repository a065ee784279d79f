"""Questions per day and the reports as CSV: the store's counts on SQLite and PostgreSQL, and their admin endpoints."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from assistant.store import Store, answer_row, new_answer_id
from assistant.store.answers import utc_now
from assistant.store.daily import daily_counts

HIGH = {"answer": "Hold each stretch for 30 seconds.", "found": True, "confidence": "high", "urgent": False,
        "passages": [{"id": "stretching.txt:10-200"}]}
LOW = {**HIGH, "confidence": "low"}
NOT_FOUND = {"answer": "Sorry, our articles do not answer that.", "found": False, "confidence": None,
             "urgent": False, "passages": []}
URGENT = {**NOT_FOUND, "answer": "Call an ambulance.", "urgent": True}
TOKEN = "stats-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def record(store, question, result, days_ago=0):
    row = answer_row(new_answer_id(), question, [], result)
    row["asked_at"] -= timedelta(days=days_ago)
    store.add([row])
    return row["answer_id"]


@pytest.fixture
def store(database_url):
    opened = Store(database_url)
    yield opened
    opened.close()


def test_each_day_counts_each_kind_once_and_quiet_days_are_zero(store):
    record(store, "psoas stretch", HIGH)
    record(store, "psoas stretch again", HIGH)
    record(store, "is it serious", LOW, days_ago=1)
    record(store, "best shoes for running", NOT_FOUND, days_ago=1)
    record(store, "I cannot feel my leg after a fall", URGENT, days_ago=3)
    record(store, "too old to count", HIGH, days_ago=10)
    days = daily_counts(store, since_days=5)
    today = utc_now().date()
    assert [day["day"] for day in days] == [(today - timedelta(days=n)).isoformat() for n in range(4, -1, -1)]
    assert days[-1] == {"day": today.isoformat(), "high": 2, "low": 0, "not_found": 0, "urgent": 0}
    assert days[-2] | {"day": None} == {"day": None, "high": 0, "low": 1, "not_found": 1, "urgent": 0}
    assert days[-4]["urgent"] == 1 and days[-3] == days[0] | {"day": days[-3]["day"]}
    every = daily_counts(store)
    assert len(every) == 11 and sum(day["high"] for day in every) == 3


def test_an_empty_store_has_one_quiet_day(store):
    assert daily_counts(store) == [{"day": utc_now().date().isoformat(), "high": 0, "low": 0, "not_found": 0,
                                    "urgent": 0}]


@pytest.fixture
def stats_app(make_app, database_url):
    app = make_app(ADMIN_TOKEN=TOKEN, DATABASE_URL=database_url)
    store = app.extensions["store"]
    record(store, "=HYPERLINK(\"http://evil.example\")", NOT_FOUND)
    record(store, "which shoes suit my psoas", NOT_FOUND, days_ago=2)
    rated = record(store, "how long to hold a stretch", HIGH)
    store.rate(rated, "down", "-too short")
    return app


def test_the_daily_endpoint(stats_app):
    client = stats_app.test_client()
    response = client.get("/api/reports/daily?since=7", headers=AUTH)
    data = response.get_json()
    assert data["since_days"] == 7 and data["kinds"] == ["high", "low", "not_found", "urgent"]
    assert len(data["days"]) == 7 and data["days"][-1]["not_found"] == 1 and data["days"][-3]["not_found"] == 1
    assert client.get("/api/reports/daily?since=0", headers=AUTH).status_code == 400
    assert client.get("/api/reports/daily").status_code == 401


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_reports_download_as_csv_without_formulas(stats_app):
    client = stats_app.test_client()
    unanswered = client.get("/api/reports/unanswered.csv?since=30", headers=AUTH)
    assert unanswered.mimetype == "text/csv"
    assert 'filename="unanswered-30-days.csv"' in unanswered.headers["Content-Disposition"]
    rows = read_csv(unanswered)
    assert rows[0][:2] == ["question", "count"]
    questions = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\")" in questions and "which shoes suit my psoas" in questions
    feedback = read_csv(client.get("/api/reports/feedback.csv", headers=AUTH))
    assert feedback[1][1] == "1" and feedback[1][4] == "'-too short"
    daily = read_csv(client.get("/api/reports/daily.csv?since=3", headers=AUTH))
    assert daily[0] == ["day", "high", "low", "not_found", "urgent"] and len(daily) == 4
    missing = client.get("/api/reports/passwords.csv", headers=AUTH)
    assert missing.status_code == 404 and "daily.csv" in missing.get_json()["error"]


def test_the_unanswered_report_gives_the_latest_wording(stats_app):
    client = stats_app.test_client()
    record(stats_app.extensions["store"], "shoes that suit my psoas?", NOT_FOUND)
    groups = client.get("/api/reports/unanswered", headers=AUTH).get_json()["questions"]
    shoes = next(group for group in groups if group["count"] == 2)
    assert shoes["latest"] == "shoes that suit my psoas?"
