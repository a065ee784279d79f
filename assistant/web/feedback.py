"""POST /api/feedback: a thumbs up or down, and a comment, on an answer this server recorded.

init_app also opens the store and, unless RECORD_QUESTIONS is false, the recorder that
api.py hands each answer to. Errors use the API's one JSON shape (api.error_response).
"""
from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.exceptions import BadRequest, Forbidden

from ..config import MAX_COMMENT_CHARS, default_database_url, retention_days
from ..store import RATINGS, Recorder, Store
from .api import count_request, json_object, switch

bp = Blueprint("feedback", __name__, url_prefix="/api")
FIELDS = ("answer_id", "rating", "comment")
EXAMPLE = '{"answer_id": "<the answer_id of the answer>", "rating": "down", "comment": "It does not say how long."}'
ANSWER_ID = re.compile(r"[0-9a-f]{32}")
FLUSH_S = 2.0  # how long a rating waits for this process's pending answers to be written


def init_app(app: Flask) -> None:
    """Register the feedback API, open the store and start recording (unless RECORD_QUESTIONS is false).

    Raises BadSetting when DATABASE_URL, RECORD_QUESTIONS or RETENTION_DAYS cannot be used.
    """
    config = app.config
    record = switch(config, "RECORD_QUESTIONS")
    days = retention_days(config["RETENTION_DAYS"])
    store = Store(str(config["DATABASE_URL"] or default_database_url()), days)  # no connection until used
    app.extensions["store"] = store
    app.extensions["recorder"] = Recorder(store) if record else None
    app.register_blueprint(bp)


@bp.post("/feedback")
def rate_answer():
    """Store {"answer_id", "rating", "comment"} with the recorded answer; a later rating replaces it."""
    headers = count_request()  # the same count as questions
    answer_id, rating, comment = checked_feedback(json_object(EXAMPLE))
    recorder = current_app.extensions["recorder"]
    if recorder is None:
        raise Forbidden("this server does not record answers (ASSISTANT_RECORD_QUESTIONS=false), so it takes no "
                        "ratings; its answers have answer_id null")
    recorder.flush(FLUSH_S)  # the answer may still be waiting to be written
    store = current_app.extensions["store"]
    if not store.rate(answer_id, rating, comment):
        raise BadRequest(f"unknown answer_id {answer_id!r}: no answer with that id was recorded here in the last "
                         f"{store.retention_days} days; send the answer_id that came with the answer")
    return jsonify(answer_id=answer_id, rating=rating, comment=comment), 200, headers


def checked_feedback(body: dict) -> tuple[str, str, str | None]:
    """Return (answer_id, rating, comment or None) from a feedback body.

    Raises BadRequest saying what is wrong: an unknown field, a missing or malformed answer_id,
    a rating that is not up or down, a comment that is not text or is too long.
    """
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(map(repr, unknown))}; the body takes {', '.join(FIELDS)}")
    answer_id, rating, comment = body.get("answer_id"), body.get("rating"), body.get("comment")
    if not isinstance(answer_id, str):
        raise BadRequest(f"answer_id is missing or not a string; send the answer_id that came with the answer, "
                         f"like {EXAMPLE}")
    if not ANSWER_ID.fullmatch(answer_id):
        raise BadRequest(f"unknown answer_id {answer_id[:40]!r}: answer ids are 32 hexadecimal characters, "
                         "as /api/answer gives them")
    if rating not in RATINGS:
        raise BadRequest(f'rating must be "up" or "down", not {rating!r}')
    if comment is not None and not isinstance(comment, str):
        raise BadRequest("comment must be a string (or left out)")
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise BadRequest(f"comment is {len(comment)} characters long; the limit is {MAX_COMMENT_CHARS}")
    return answer_id, rating, (comment or "").strip() or None
