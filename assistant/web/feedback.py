"""POST /api/feedback: a thumbs up or down, and a comment, on an answer this server recorded.

init_app also opens the store and, unless RECORD_QUESTIONS is false, the recorder that
api.py hands each answer to. Errors use the API's one JSON shape (api.error_response).
"""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.exceptions import Forbidden, NotFound

from ..config import default_database_url, retention_days
from ..store import Recorder, Store
from .api import NOT_JSON, TOO_MANY, answers, count_request, switch
from .models import Feedback, FeedbackStored

bp = Blueprint("feedback", __name__, url_prefix="/api")
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


@answers.route("POST", "/feedback", "Rate an answer up or down, with an optional comment (a later rating of the "
               "same answer replaces it)", body=Feedback, response=FeedbackStored, first=lambda: count_request(), errors={
                   400: "An answer_id that is not 32 hexadecimal characters, a rating not up or down, a comment too "
                        "long, an unknown field.",
                   403: "The server records nothing (ASSISTANT_RECORD_QUESTIONS=false).",
                   404: "No answer with that answer_id was recorded here (or it is older than the retention).",
                   415: NOT_JSON, 429: TOO_MANY,
                   503: "The database cannot be reached; the server's log says why."})
def rate_answer(body: Feedback):
    """Store {"answer_id", "rating", "comment"} with the recorded answer; a later rating replaces it."""
    recorder = current_app.extensions["recorder"]
    if recorder is None:
        raise Forbidden("this server does not record answers (ASSISTANT_RECORD_QUESTIONS=false), so it takes no "
                        "ratings; its answers have answer_id null")
    recorder.flush(FLUSH_S)  # the answer may still be waiting to be written
    store = current_app.extensions["store"]
    comment = (body.comment or "").strip() or None
    if not store.rate(body.answer_id, body.rating, comment):
        raise NotFound(f"unknown answer_id {body.answer_id!r}: no answer with that id was recorded here in the last "
                       f"{store.retention_days} days; send the answer_id that came with the answer")
    return jsonify(answer_id=body.answer_id, rating=body.rating, comment=comment)
