"""The admin API's figures for the console: questions per day, and every report as a CSV download.

Routes of the admin blueprint (its token check and error shape apply); ?since=DAYS&limit=N as the
other reports take them. A CSV cell that a spreadsheet would run as a formula (=, +, -, @ first) is
written with a ' before it: visitors' questions are in these files.
"""
from __future__ import annotations

import csv
import io

from flask import Response, jsonify
from pydantic import BaseModel
from werkzeug.exceptions import NotFound

from ..store import feedback_report, unanswered_report
from ..store.daily import KINDS, daily_counts
from .admin import REPORT_ERRORS, admin, purged_store
from .models import ReportQuery


class Daily(BaseModel):
    """The questions asked per day, oldest first, by kind: high, low confidence, not found, urgent."""

    since_days: int | None
    kinds: list[str]
    days: list[dict]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@admin.route("GET", "/reports/daily", "Count the questions per day: high, low confidence, not found, urgent",
             query=ReportQuery, response=Daily, errors=REPORT_ERRORS)
def daily(query: ReportQuery):
    """Return the questions asked per day, split into high confidence, low confidence, not found and urgent."""
    since_days = query.since
    return jsonify(since_days=since_days, kinds=list(KINDS), days=daily_counts(purged_store(), since_days))


@admin.route("GET", "/reports/<name>.csv", "Download a report as CSV: daily, unanswered or feedback",
             query=ReportQuery, params={"name": "Which report: daily, unanswered or feedback."},
             response_content={"text/csv": {"type": "string"}},
             errors={**REPORT_ERRORS, 404: "No report of that name."})
def report_csv(name: str, query: ReportQuery):
    """Return the daily, unanswered or feedback report as a CSV file to download."""
    if name not in CSV_REPORTS:
        raise NotFound(f"no report named {name!r}; download daily.csv, unanswered.csv or feedback.csv")
    since_days, limit = query.since, query.limit
    header, lines = CSV_REPORTS[name](since_days, limit)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[safe_cell(cell) for cell in line] for line in lines])
    period = f"-{since_days}-days" if since_days else ""
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}{period}.csv"'})


def daily_rows(since_days: int | None, limit: int) -> tuple[list, list]:
    """Return the daily report's header and rows."""
    days = daily_counts(purged_store(), since_days)
    return ["day", *KINDS], [[day["day"], *(day[kind] for kind in KINDS)] for day in days]


def unanswered_rows(since_days: int | None, limit: int) -> tuple[list, list]:
    """Return the unanswered report's header and rows: one per group of similar questions."""
    report = unanswered_report(purged_store(), since_days, limit)["questions"]
    return (["question", "count", "not_found", "low_confidence", "last_asked", "variants"],
            [[q["question"], q["count"], q["not_found"], q["low_confidence"], q["last_asked"],
              " | ".join(v["question"] for v in q["variants"])] for q in report])


def feedback_rows(since_days: int | None, limit: int) -> tuple[list, list]:
    """Return the rated-down report's header and rows: one per answer."""
    report = feedback_report(purged_store(), since_days, limit)["answers"]
    return (["answer", "down", "up", "questions", "comments", "passages", "last_rated"],
            [[a["answer"], a["down"], a["up"], " | ".join(q["question"] for q in a["questions"]),
              " | ".join(a["comments"]), " ".join(a["passages"]), a["last_rated"]] for a in report])


CSV_REPORTS = {"daily": daily_rows, "unanswered": unanswered_rows, "feedback": feedback_rows}


def safe_cell(value):
    """Return a cell as text a spreadsheet shows rather than runs."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
