"""Questions per day, each day split into answered with high confidence, low confidence, not found and urgent.

The rows are read and counted here rather than grouped in SQL: a date of a timestamp is written
differently in SQLite (a string) and PostgreSQL (a date), and four small columns per question are cheap.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from .answers import Store, rows, since, utc_now
from .schema import answers

KINDS = ("high", "low", "not_found", "urgent")


def kind_of(found: bool, confidence: str | None, urgent: bool) -> str:
    """Return which of KINDS an answer counts as: urgent first, then not found, then its confidence."""
    if urgent:
        return "urgent"
    if not found:
        return "not_found"
    return "high" if confidence == "high" else "low"


def daily_counts(store: Store, since_days: int | None = None) -> list[dict]:
    """Return one row per day (UTC), oldest first, with how many questions of each kind were asked.

    Every day of the period is listed, a quiet one with zeros; with no period, from the first day recorded.
    Raises StoreUnavailable when the database cannot be used.
    """
    query = select(answers.c.asked_at, answers.c.found, answers.c.confidence, answers.c.urgent)
    with store.transaction() as connection:
        asked = rows(connection, since(query, since_days))
    counts = Counter((row["asked_at"].date(), kind_of(row["found"], row["confidence"], row["urgent"]))
                     for row in asked)
    today = utc_now().date()
    if since_days is not None:
        first = today - timedelta(days=since_days - 1)
    else:
        first = min((row["asked_at"].date() for row in asked), default=today)
    return [{"day": day.isoformat(), **{kind: counts[day, kind] for kind in KINDS}}
            for day in days_from(first, today)]


def days_from(first: date, last: date) -> list[date]:
    """Return the days from first to last, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
