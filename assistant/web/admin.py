"""The admin API: add, replace and remove source texts and reindex, and read the feedback reports,
behind a bearer token.

Switched off (403) unless ASSISTANT_ADMIN_TOKEN is set; a wrong or missing token gets 401.
After 10 wrong tokens from one address in a minute (ADMIN_FAILURE_LIMIT), that address gets
429 on every admin route until the minute is over, right token or not, so tokens cannot be
guessed at speed. Errors use the API's one JSON shape (api.error_response).
"""
from __future__ import annotations

import hmac
from contextlib import contextmanager

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Conflict, Forbidden, HTTPException, InternalServerError, Unauthorized

from ..config import DEFAULT_REPORT_LIMIT, MAX_DAYS, MAX_REPORT_LIMIT, max_file_bytes
from ..engine import index as index_module
from ..engine.documents import add_documents, corpus_lock, remove_document
from ..errors import AssistantError, BadDocument, DocumentExists, LastDocument, NameTaken, NotWritten
from ..store import feedback_report, unanswered_report
from . import console
from .api import json_body
from .ratelimit import RateLimit

bp = Blueprint("admin", __name__, url_prefix="/api")
# Room for the JSON or multipart wrapping around a file of the largest allowed size.
ENVELOPE_BYTES = 64 * 1024
UPLOAD_PATH = "/api/documents"  # the one route that takes a file; the others take the API's 16 KiB
EXAMPLE = '{"name": "psoas-notes.md", "text": "..."}'
REPORT_FLUSH_S = 2.0  # how long a report waits for this process's pending answers to be written


def init_app(app: Flask) -> None:
    """Register the admin API on an app, with its count of wrong tokens per client.

    Raises BadSetting when ADMIN_FAILURE_LIMIT or the rate limit storage cannot be used.
    """
    from . import admin_articles, admin_stats, admin_taught  # noqa: F401 - their routes join this blueprint

    app.register_blueprint(bp)
    app.extensions["admin_failures"] = RateLimit(
        str(app.config["ADMIN_FAILURE_LIMIT"]), str(app.config["RATELIMIT_STORAGE_URI"]),
        scope="admin-token", counted="wrong admin tokens", setting="ASSISTANT_ADMIN_FAILURE_LIMIT")


@bp.before_request
def require_token():
    """Refuse the request unless it carries the admin token; allow uploads up to the file size limit."""
    expected = str(current_app.config.get("ADMIN_TOKEN") or "")
    if not expected:
        raise Forbidden("the admin API is switched off; set ASSISTANT_ADMIN_TOKEN on the server to use it")
    failures, client = current_app.extensions["admin_failures"], request.remote_addr or ""
    failures.check(client)  # before the token is compared, so a right guess is not told apart either
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not given.strip() and console.session_allows():  # the owner's console, signed in (console.py)
        request.max_content_length = max_upload_bytes()
        return
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        if given.strip():  # a token that is wrong is a guess; no token at all is not
            failures.count(client)
        raise Unauthorized("send the admin token as 'Authorization: Bearer <token>'",
                           www_authenticate=WWWAuthenticate("bearer"))
    request.max_content_length = max_upload_bytes()


def max_upload_bytes() -> int:
    """Return the largest request body an upload may be: a file of the largest allowed size, and its wrapping."""
    return max_file_bytes() + ENVELOPE_BYTES


@bp.post(UPLOAD_PATH.removeprefix("/api"))
def add_document():
    """Store one document (multipart field `file`, or JSON {"name", "text"}) and reindex."""
    name, data, replace = uploaded_document()
    holder = current_app.extensions["assistant"]
    try:
        with failed_reindex_says_why():
            report = add_documents(holder.corpus_dir, [(name, data)], lambda: reindex(holder), replace=replace)
    except BadDocument as error:
        raise BadRequest(str(error)) from None
    except NameTaken as error:  # the flag's name is the edge's: replace=true here, --replace on the command line
        raise Conflict(f'{error}; send replace=true (or "replace": true in JSON) to update it') from None
    except DocumentExists as error:
        raise Conflict(str(error)) from None
    return jsonify(document=name, report=report_json(report)), 201


@bp.delete("/documents/<name>")
def delete_document(name: str):
    """Take a document out of the corpus and reindex (unknown name: 404; the only document: 409)."""
    holder = current_app.extensions["assistant"]
    try:
        with failed_reindex_says_why():
            report = remove_document(holder.corpus_dir, name, lambda: reindex(holder))
    except LastDocument as error:
        raise Conflict(str(error)) from None
    return jsonify(document=name, report=report_json(report))


@bp.post("/reindex")
def reindex_corpus():
    """Reindex the corpus folder (for files changed on disk) and report what changed."""
    holder = current_app.extensions["assistant"]
    try:
        with failed_reindex_says_why(), corpus_lock(holder.corpus_dir):
            report = reindex(holder)
    except AssistantError as error:  # a bad file on disk: say which, the old index keeps serving
        raise Conflict(f"the corpus cannot be indexed: {error}; the previous index is still serving") from None
    return jsonify(report=report_json(report))


@bp.get("/reports/feedback")
def rated_down():
    """List the answers rated down most often (what `assistant feedback --json` prints)."""
    return jsonify(feedback_report(purged_store(), *report_options()))


@bp.get("/reports/unanswered")
def unanswered():
    """List the most frequent questions the articles did not answer (what `assistant unanswered --json` prints)."""
    return jsonify(unanswered_report(purged_store(), *report_options()))


def purged_store():
    """Return the store with the answers older than this server's retention deleted: a server that does not
    record has no recorder to do it. (The command line's reports only read: its shell's retention may differ.)"""
    store = current_app.extensions["store"]
    if current_app.extensions.get("recorder"):  # this process's latest answers, still waiting to be written
        current_app.extensions["recorder"].flush(REPORT_FLUSH_S)
    store.purge()
    return store


def report_options() -> tuple[int | None, int]:
    """Return (since_days, limit) from the query string (?since=DAYS&limit=N).

    Raises BadRequest saying what is wrong.
    """
    since, limit = request.args.get("since"), request.args.get("limit", str(DEFAULT_REPORT_LIMIT))
    if since is not None and not (since.isascii() and since.isdigit() and 1 <= int(since) <= MAX_DAYS):
        raise BadRequest(f"since must be a whole number of days from 1 to {MAX_DAYS}, not {since[:20]!r}")
    if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= MAX_REPORT_LIMIT):
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_REPORT_LIMIT}, not {limit[:20]!r}")
    return (int(since) if since is not None else None), int(limit)


@contextmanager
def failed_reindex_says_why():
    """Turn an unexpected failure while changing the corpus (a full disk, a bug) into a 500 that says which
    step failed; the documents module has already put the corpus back."""
    try:
        yield
    except (HTTPException, AssistantError):
        raise
    except Exception as error:
        current_app.logger.exception("changing the corpus failed")
        # NotWritten names its step: storing the document, or the reindex writing the index.
        what = str(error) if isinstance(error, NotWritten) else f"the reindex failed ({type(error).__name__}: {error})"
        raise InternalServerError(f"{what}; the corpus is unchanged and the previous index is still serving") from None


def uploaded_document() -> tuple[str, bytes, bool]:
    """Return (file name, bytes, replace?) from a multipart upload or a JSON body.

    Raises BadRequest saying what to send.
    """
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("send the document in the multipart field 'file'")
        return upload.filename or "", upload.read(), is_true(request.form.get("replace"))
    if request.is_json:
        body = json_body(EXAMPLE)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("text"), str):
            raise BadRequest(f'send a JSON object with "name" and "text" strings, like {EXAMPLE}')
        try:
            data = body["text"].encode("utf-8")
        except UnicodeEncodeError as error:  # JSON can escape half of a surrogate pair ("\ud800") alone
            raise BadRequest(f"the text is not valid Unicode: character {error.start} is a lone surrogate "
                             f"({body['text'][error.start]!r}); send UTF-8 text") from None
        if not isinstance(body.get("replace", False), bool):
            raise BadRequest('"replace" must be true or false')
        return body["name"], data, body.get("replace", False)
    raise BadRequest(f"send the document as multipart/form-data (field 'file') or as JSON {EXAMPLE}")


def is_true(value) -> bool:
    """Read a replace flag given as a form value such as 'true', '1', 'yes'."""
    return str(value).lower() in {"true", "1", "yes", "on"}


def reindex(holder) -> index_module.BuildReport:
    """Rebuild the index; the holder (here and in every other worker) switches on its next request."""
    return index_module.reindex(holder.corpus_dir, holder.index_path)


def report_json(report: index_module.BuildReport) -> dict:
    """Return a build report as JSON."""
    return {"documents": report.documents, "passages": report.passages, "seconds": round(report.seconds, 3),
            "added": report.added, "updated": report.updated, "removed": report.removed,
            "unchanged": len(report.unchanged)}
