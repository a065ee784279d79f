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

from ..config import max_file_bytes
from ..engine import index as index_module
from ..engine.documents import add_documents, corpus_lock, remove_document
from ..errors import AssistantError, BadDocument, DocumentExists, LastDocument, NameTaken, NotWritten
from ..store import feedback_report, unanswered_report
from . import console
from .contract import Api, json_object, validated
from .models import (DocumentChange, Error, FeedbackReport, NewDocument, Reindexed, ReportQuery, UnansweredReport,
                     Upload)
from .ratelimit import RateLimit

bp = Blueprint("admin", __name__, url_prefix="/api")
admin = Api(bp, Error, "admin", security=({"adminToken": []},), errors={
    401: "The admin token is missing or wrong.",
    403: "The admin API is switched off (ASSISTANT_ADMIN_TOKEN is not set).",
    429: "Too many wrong tokens from this address; wait Retry-After seconds."})
CHANGE_REFUSED = {409: "A file in the corpus cannot be indexed; the old index serves."}
REPORT_ERRORS = {400: "since or limit is not a whole number in range.",
                 503: "The database cannot be reached; the server's log says why."}
# Room for the JSON or multipart wrapping around a file of the largest allowed size.
ENVELOPE_BYTES = 64 * 1024
UPLOAD_PATH = "/api/documents"  # the one route that takes a file; the others take the API's 16 KiB
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


@admin.route("POST", UPLOAD_PATH.removeprefix("/api"), "Add (or with replace, update) a document and reindex",
             response=DocumentChange, status=201, body_content={"application/json": NewDocument,
                                                                "multipart/form-data": Upload}, errors={
                 400: "Refused: a path as name, binary, not UTF-8, empty, unsupported type, too big.",
                 409: "The name or the same text is already in the corpus.",
                 413: "The upload is larger than the file size limit."})
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


@admin.route("DELETE", "/documents/<name>", "Remove a document and reindex", response=DocumentChange,
             params={"name": "The document's id: its file name."}, errors={
                 404: "No document has that name.", 409: "It is the only document; the corpus must keep one."})
def delete_document(name: str):
    """Take a document out of the corpus and reindex (unknown name: 404; the only document: 409)."""
    holder = current_app.extensions["assistant"]
    try:
        with failed_reindex_says_why():
            report = remove_document(holder.corpus_dir, name, lambda: reindex(holder))
    except LastDocument as error:
        raise Conflict(str(error)) from None
    return jsonify(document=name, report=report_json(report))


@admin.route("POST", "/reindex", "Reindex the corpus folder", response=Reindexed, errors=CHANGE_REFUSED)
def reindex_corpus():
    """Reindex the corpus folder (for files changed on disk) and report what changed."""
    holder = current_app.extensions["assistant"]
    try:
        with failed_reindex_says_why(), corpus_lock(holder.corpus_dir):
            report = reindex(holder)
    except AssistantError as error:  # a bad file on disk: say which, the old index keeps serving
        raise Conflict(f"the corpus cannot be indexed: {error}; the previous index is still serving") from None
    return jsonify(report=report_json(report))


@admin.route("GET", "/reports/feedback", "List the answers rated down most often, with their questions, passages "
             "and comments", query=ReportQuery, response=FeedbackReport, errors=REPORT_ERRORS)
def rated_down(query: ReportQuery):
    """List the answers rated down most often (what `assistant feedback --json` prints)."""
    return jsonify(feedback_report(purged_store(), query.since, query.limit))


@admin.route("GET", "/reports/unanswered", "List the most frequent questions the articles did not answer, similar "
             "ones grouped; the urgent ones apart", query=ReportQuery, response=UnansweredReport, errors=REPORT_ERRORS)
def unanswered(query: ReportQuery):
    """List the most frequent questions the articles did not answer (what `assistant unanswered --json` prints)."""
    return jsonify(unanswered_report(purged_store(), query.since, query.limit))


def purged_store():
    """Return the store with the answers older than this server's retention deleted: a server that does not
    record has no recorder to do it. (The command line's reports only read: its shell's retention may differ.)"""
    store = current_app.extensions["store"]
    if current_app.extensions.get("recorder"):  # this process's latest answers, still waiting to be written
        current_app.extensions["recorder"].flush(REPORT_FLUSH_S)
    store.purge()
    return store


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
        # Form values are text: pydantic reads "true", "false", "1", "0", "yes", "no"... as replace.
        form = validated(Upload, {"file": upload.read(), **{k: v for k, v in request.form.items() if k == "replace"}},
                         strict=False)
        return upload.filename or "", form.file, form.replace
    if request.is_json:
        body = validated(NewDocument, json_object(NewDocument.example))  # refuses lone surrogates ("\ud800") too
        return body.name, body.text.encode("utf-8"), body.replace
    raise BadRequest(f"send the document as multipart/form-data (field 'file') or as JSON {NewDocument.example}")


def reindex(holder) -> index_module.BuildReport:
    """Rebuild the index; the holder (here and in every other worker) switches on its next request."""
    return index_module.reindex(holder.corpus_dir, holder.index_path)


def report_json(report: index_module.BuildReport) -> dict:
    """Return a build report as JSON."""
    return {"documents": report.documents, "passages": report.passages, "seconds": round(report.seconds, 3),
            "added": report.added, "updated": report.updated, "removed": report.removed,
            "unchanged": len(report.unchanged)}
