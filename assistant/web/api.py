"""The JSON API under /api/: answer, health, sources; every error as {"error": "..."} (other APIs' in their own shape)."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..config import MAX_HISTORY, MAX_QUESTION_CHARS
from ..engine.answer import answer, check_question
from ..engine.chunking import headings
from ..engine.corpus import Document
from ..engine.index import Index
from ..engine.safety import with_contact
from ..errors import AssistantError, BadQuestion, BadSetting, DocumentNotFound, StoreUnavailable
from ..store import answer_row, new_answer_id
from .answer_cache import AnswerCache
from .contract import Api
from .models import Answer, Error, Health, Question, Source, SourceList
from .ratelimit import RateLimit

bp = Blueprint("api", __name__, url_prefix="/api")
answers = Api(bp, Error, "answers")
# Makes the JSON body of an error from its status, message and exception (None when waitress refuses a body).
ErrorShape = Callable[[int, str, "Exception | None"], dict]
TOO_MANY = "Too many questions from this address; wait and retry."
NOT_JSON = "The body is not sent as application/json."

# What to say for an HTTP error raised without a description of our own.
HTTP_MESSAGES = {
    404: "no such API endpoint: {path}; see /openapi.json for the endpoints",
    405: "{method} is not allowed on {path}; use {allowed}",
    413: "the request body is larger than {limit} bytes; send less",
    429: "too many requests from your address (limit: {description}); wait a moment and try again",
    500: "the server failed on this request; please try again later",
}


def init_app(app: Flask) -> None:
    """Register the API on an app, with its rate limit on /api/answer and its answer cache.

    Raises BadSetting when a setting of either cannot be used.
    """
    app.register_blueprint(bp)
    config = app.config
    limit = RateLimit(str(config["RATE_LIMIT"]), str(config["RATELIMIT_STORAGE_URI"]),
                      headers=switch(config, "RATELIMIT_HEADERS_ENABLED"))
    # One per app, so each app (and each test) counts its own requests.
    app.extensions["rate_limit"] = limit if switch(config, "RATELIMIT_ENABLED") else None
    app.extensions["answers"] = AnswerCache(amount(config, "ANSWER_CACHE_SIZE"))
    # Each API's error shape by path prefix; openai_compat adds OpenAI's for /v1.
    app.extensions["error_shapes"] = {"/api": plain_error}


def switch(config, name: str) -> bool:
    """Return an on/off setting; raises BadSetting unless it is true or false ("no" would read as on)."""
    if not isinstance(config[name], bool):
        raise BadSetting(f"{name} must be true or false, not {config[name]!r} (ASSISTANT_{name})")
    return config[name]


def amount(config, name: str, kinds: tuple = (int,)) -> int | float:
    """Return a setting that is a number, 0 or more (0 turns its feature off); raises BadSetting otherwise."""
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, kinds) or not 0 <= value < float("inf"):
        what = "a whole number" if kinds == (int,) else "a number"
        raise BadSetting(f"{name} must be {what}, 0 or more (0 turns it off), not {value!r} (ASSISTANT_{name})")
    return value


def current_index() -> Index:
    """Return the process's index, through its holder (never cached elsewhere, so it can be swapped)."""
    return current_app.extensions["assistant"].get()


@answers.route("POST", "/answer", "Answer a question with cited passages from the articles", body=Question,
               response=Answer, first=lambda: count_request(), errors={
                   400: "The body is not a JSON object, or the question, history or top_k is wrong.",
                   413: "The body is larger than 16 KiB.", 415: NOT_JSON, 429: TOO_MANY})
def answer_question(body: Question):
    """Answer {"question", "history", "top_k"} with the engine's result object, unchanged but for its answer_id first."""
    text = answer_json(body.question, body.history, body.top_k)
    return current_app.response_class(text + "\n", mimetype="application/json")


def count_request() -> dict[str, str]:
    """Count a question against its client's rate limit, one for every route that answers; return the X-RateLimit-* headers.

    Raises TooManyRequests (429, with Retry-After) when the client has used it up.
    """
    limit = current_app.extensions["rate_limit"]
    return limit.hit(request.remote_addr or "") if limit else {}


def answer_json(question, history, top_k) -> str:
    """Return the JSON of the result object for a question on the current index (from the answer cache if asked before).

    Raises BadQuestion when the question, history or top_k breaks the HTTP API's rules.
    """
    # The engine measures the question once stripped; the HTTP contract limits what is sent.
    if isinstance(question, str) and len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if isinstance(history, list) and len(history) > MAX_HISTORY:
        raise BadQuestion(f"history holds {len(history)} questions; send at most {MAX_HISTORY} (the latest ones)")
    question, history, top_k = check_question(question, history, top_k)
    index = current_index()
    contact = current_app.config["CONTACT"]
    text, result = current_app.extensions["answers"].get(index, (question, tuple(history), top_k), lambda: encoded(
        with_contact(answer(index, question, history, top_k), contact)))
    return with_answer_id(text, record(question, history, result))


def encoded(result: dict) -> tuple[str, dict]:
    """Return a result as JSON, and the result itself (what of it is recorded is picked per request)."""
    return current_app.json.dumps(result), result


def record(question: str, history: list[str], result: dict) -> str | None:
    """Queue the answer to be recorded under a new id, and return the id; None when recording is off."""
    recorder = current_app.extensions["recorder"]
    if recorder is None:
        return None
    answer_id = new_answer_id()
    recorder.record(answer_row(answer_id, question, history, result))
    return answer_id


def with_answer_id(text: str, answer_id: str | None) -> str:
    """Return an answer's JSON object with "answer_id" put first.

    Every request gets its own id, so the id is added to the remembered JSON, never remembered
    with it: two people asking the same question must not share one answer row (nor rate each
    other's). Splicing keeps the cache's point, which is not encoding the answer again.
    """
    return '{"answer_id": ' + json.dumps(answer_id) + ", " + text[1:]


@answers.route("GET", "/health", "Report status, the index's size and age, and whether it is stale", response=Health)
def health():
    """Report that the server is up, with the size and age of its index and whether the corpus has changes it lacks."""
    index = current_index()
    return jsonify(status="ok", documents=len(index.documents), passages=index.passage_count,
                   built_at=index.meta["built_at"], stale=current_app.extensions["assistant"].stale())


@answers.route("GET", "/sources", "List the articles", response=SourceList)
def sources():
    """List the articles: id (the file name), title, file name and URL when known."""
    return jsonify(sources=[source_summary(document) for document in current_index().documents])


@answers.route("GET", "/sources/<source_id>", "Return an article's title and text, so a citation can be shown in "
               "context", response=Source, errors={404: "No article has that id."},
               params={"source_id": "The article's id (its file name), as in a citation's source."})
def source(source_id: str):
    """Return one article's title, text and section headings, so a citation's offsets can be shown in context."""
    for document in current_index().documents:
        if document.source == source_id:
            return jsonify(source_summary(document) | {
                "text": document.text, "body_start": document.body_start,
                "headings": [{"start": start, "end": end, "text": name} for start, end, name in headings(document)]})
    raise DocumentNotFound(f"no article with id {source_id!r}; GET /api/sources lists them")


def source_summary(document: Document) -> dict:
    """Return what identifies an article: id, title, file name and, when known, its URL."""
    summary = {"id": document.source, "title": document.title, "source": document.source}
    if document.metadata.get("url"):
        summary["url"] = document.metadata["url"]
    return summary


def plain_error(status: int, message: str, error: Exception | None = None) -> dict:
    """Return the body of an /api/ error: {"error": "<what is wrong and how to fix it>"}."""
    return {"error": message}


def error_shape(shapes: Mapping[str, ErrorShape], path: str) -> ErrorShape | None:
    """Return the error body maker of the API `path` is under (shapes maps a prefix such as /api to it); None off the APIs."""
    for prefix, shape in shapes.items():
        if path == prefix or path.startswith(prefix + "/"):
            return shape
    return None


@bp.app_errorhandler(Exception)
def error_response(error: Exception):
    """Answer every error under an API's prefix as JSON in that API's shape; leave other paths to Flask's pages."""
    shape = error_shape(current_app.extensions["error_shapes"], request.path)
    if shape is None:
        if isinstance(error, HTTPException):
            return error
        raise error  # Flask logs it and shows its own 500 page
    if isinstance(error, HTTPException):
        response, message = error.get_response(), http_message(error)  # keeps headers such as Allow and Retry-After
    else:
        status, message = error_status(error)
        response = current_app.response_class(status=status)
    response.set_data(json.dumps(shape(response.status_code, message, error)))
    response.mimetype = "application/json"
    return response


def error_status(error: Exception) -> tuple[int, str]:
    """Return the status and message for an error that is not an HTTP one, logging what only the operator should see."""
    if isinstance(error, BadQuestion):
        return 400, str(error)
    if isinstance(error, DocumentNotFound):
        return 404, str(error)
    if isinstance(error, StoreUnavailable):  # answering goes on: only ratings and reports need the database
        current_app.logger.error("feedback database unavailable: %s", error)
        return 503, "ratings cannot be stored or read right now; the server's log says why"
    if isinstance(error, AssistantError):  # the corpus or index cannot be read: only the operator can fix it
        current_app.logger.error("articles unavailable: %s", error)
        return 503, "the articles cannot be loaded right now; the server's log says why"
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return 500, HTTP_MESSAGES[500]


def http_message(error: HTTPException) -> str:
    """Return the message for an HTTP error: its own description if it has one, else ours."""
    template = HTTP_MESSAGES.get(error.code)
    own = error.description != type(error).description and error.code != 429  # 429's is only the limit
    if template is None or own:
        return str(error.description)
    allowed = ", ".join(m for m in getattr(error, "valid_methods", None) or [] if m not in ("HEAD", "OPTIONS"))
    return template.format(path=request.path, method=request.method, allowed=allowed,
                           limit=request.max_content_length, description=error.description)

