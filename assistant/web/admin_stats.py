"""The admin API's figures for the console: questions per day, and every report as a CSV download.

Routes of the admin blueprint (its token check and error shape apply); ?since=DAYS&limit=N as the
other reports take them. A CSV cell that a spreadsheet would run as a formula (=, +, -, @ first) is
written with a ' before it: visitors' questions are in these files.
"""
from __future__ import annotations

import csv
import io

from flask import Response, jsonify
from werkzeug.exceptions import NotFound

from ..store import feedback_report, unanswered_report
from ..store.daily import KINDS, daily_counts
from .admin import bp, purged_store, report_options

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.get("/reports/daily")
def daily():
    """Return the questions asked per day, split into high confidence, low confidence, not found and urgent."""
    since_days, _ = report_options()
    return jsonify(since_days=since_days, kinds=list(KINDS), days=daily_counts(purged_store(), since_days))


@bp.get("/reports/<name>.csv")
def report_csv(name: str):
    """Return the daily, unanswered or feedback report as a CSV file to download."""
    if name not in CSV_REPORTS:
        raise NotFound(f"no report named {name!r}; download daily.csv, unanswered.csv or feedback.csv")
    since_days, limit = report_options()
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
