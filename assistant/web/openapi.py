"""The OpenAPI 3 description of the JSON API and of the OpenAI-compatible /v1/, served at /openapi.json.

Written by hand rather than generated (apispec, flask-smorest): those derive the spec from
marshmallow or pydantic schemas, which would be a second copy of the validation that
answer.check_question and api.json_object already do. The limits come from config, and
tests/test_openapi.py runs schemathesis against the app so the spec cannot drift from it.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, jsonify

from ..config import (DEFAULT_REPORT_LIMIT, DEFAULT_TOP_K, MAX_COMMENT_CHARS, MAX_HISTORY, MAX_QUESTION_CHARS,
                      MAX_REPORT_LIMIT, MAX_TOP_K)
from ..engine.corpus import SUFFIXES
from .openai_compat import MODEL, ROLES

bp = Blueprint("openapi", __name__)


def ref(name: str) -> dict:
    """Return a reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict, description: str) -> dict:
    """Return a response object whose body is JSON of `schema`."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# A letter or digit somewhere: the server refuses a question without one as blank (answer.check_question).
# Unicode categories, not \w: in a JSON Schema pattern \w is ASCII only, in Python it is not.
NOT_BLANK = r"[\p{L}\p{N}]"
# A document's name ends with a suffix the server reads, in any case (".TXT" too): without this the
# fuzzing of tests/test_openapi.py would hardly ever send a document that is stored.
DOCUMENT_NAME = r"\.(" + "|".join(sorted("".join(f"[{c}{c.upper()}]" for c in suffix[1:]) for suffix in SUFFIXES)) + ")$"

ANSWER_ID = "^[0-9a-f]{32}$"
ERROR = json_content(ref("Error"), 'Any error: {"error": "<what is wrong and how to fix it>"}')
STRING = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": STRING}},
    "Question": {
        "type": "object",
        "required": ["question"],
        "additionalProperties": False,
        "properties": {
            "question": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": NOT_BLANK,
                         "example": "How do I stretch my hip flexors?"},
            "history": {"type": "array", "maxItems": MAX_HISTORY,
                        "items": {"type": "string", "maxLength": MAX_QUESTION_CHARS},
                        "description": "The chat's earlier questions, oldest first."},
            "top_k": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_K, "default": DEFAULT_TOP_K,
                      "description": "How many passages to return."},
        },
    },
    "Citation": {
        "type": "object",
        "required": ["source", "title", "section", "start", "end"],
        "properties": {
            "source": {"type": "string", "description": "The article's id (its file name)."},
            "title": STRING,
            "section": {"type": "string", "nullable": True},
            "start": {**COUNT, "description": "Offset of the passage in the article's text."},
            "end": COUNT,
            "url": STRING,
        },
    },
    "Passage": {
        "type": "object",
        "required": ["id", "text", "score", "citation"],
        "properties": {
            "id": STRING, "text": STRING, "citation": ref("Citation"),
            "score": {"type": "number", "description": "The fused ranking score (BM25 and semantic z-scores, "
                                                       "weighted): higher is better, so it decreases down the list; "
                                                       "it compares within one answer only."},
        },
    },
    "Answer": {
        "type": "object",
        "required": ["answer_id", "question", "found", "confidence", "answer", "passages", "urgent", "disclaimer"],
        "properties": {
            "answer_id": {"type": "string", "nullable": True, "pattern": ANSWER_ID,
                          "description": "This answer's own id, to rate it with POST /api/feedback; null when the "
                                         "server records nothing (ASSISTANT_RECORD_QUESTIONS=false)."},
            "question": STRING,
            "found": {"type": "boolean", "description": "False when the articles do not answer the question."},
            "confidence": {"type": "string", "nullable": True, "enum": ["high", "low", None],
                           "description": "How surely the first passage answers: high, low (the passages may not "
                                          "answer exactly), or null when found is false."},
            "answer": {"type": "string", "description": "The best sentence, the urgent-care advice or the fallback."},
            "passages": {"type": "array", "items": ref("Passage"), "description": "Ranked, best first."},
            "urgent": {"type": "boolean", "description": "True when the question describes a red flag."},
            "disclaimer": STRING,
        },
    },
    "Feedback": {
        "type": "object",
        "required": ["answer_id", "rating"],
        "additionalProperties": False,
        "properties": {
            "answer_id": {"type": "string", "pattern": ANSWER_ID, "description": "The answer_id the answer came with."},
            "rating": {"type": "string", "enum": ["up", "down"]},
            "comment": {"type": "string", "maxLength": MAX_COMMENT_CHARS, "description": "What was wrong or missing."},
        },
    },
    "FeedbackStored": {
        "type": "object",
        "required": ["answer_id", "rating", "comment"],
        "properties": {"answer_id": STRING, "rating": {"type": "string", "enum": ["up", "down"]},
                       "comment": {"type": "string", "nullable": True}},
    },
    "FeedbackReport": {
        "type": "object",
        "required": ["since_days", "answers"],
        "properties": {
            "since_days": {"type": "integer", "nullable": True},
            "answers": {"type": "array", "description": "The answers rated down most often first.", "items": {
                "type": "object",
                "required": ["answer", "passages", "found", "confidence", "urgent", "down", "up", "questions",
                             "comments", "last_rated"],
                "properties": {
                    "answer": STRING, "passages": {"type": "array", "items": STRING},
                    "found": {"type": "boolean"}, "confidence": {"type": "string", "nullable": True},
                    "urgent": {"type": "boolean"}, "down": COUNT, "up": COUNT,
                    "questions": {"type": "array", "items": {
                        "type": "object", "required": ["question", "history", "count"],
                        "properties": {"question": STRING, "history": {"type": "array", "items": STRING},
                                       "count": COUNT}}},
                    "comments": {"type": "array", "items": STRING},
                    "last_rated": {"type": "string", "format": "date-time"},
                },
            }},
        },
    },
    "UnansweredReport": {
        "type": "object",
        "required": ["since_days", "questions"],
        "properties": {
            "since_days": {"type": "integer", "nullable": True},
            "questions": {"type": "array", "description": "The most frequent first; similar questions grouped.",
                          "items": {
                "type": "object",
                "required": ["question", "count", "not_found", "low_confidence", "variants", "last_asked"],
                "properties": {
                    "question": STRING, "count": COUNT, "not_found": COUNT, "low_confidence": COUNT,
                    "variants": {"type": "array", "items": {"type": "object", "required": ["question", "count"],
                                                            "properties": {"question": STRING, "count": COUNT}}},
                    "last_asked": {"type": "string", "format": "date-time"},
                },
            }},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "documents", "passages", "built_at", "stale"],
        "properties": {"status": {"type": "string", "enum": ["ok"]}, "documents": COUNT, "passages": COUNT,
                       "built_at": {"type": "string", "format": "date-time"},
                       "stale": {"type": "boolean", "description": (
                           "True when the server's last look at the corpus folder (every CORPUS_CHECK_SECONDS, "
                           "5 by default) found changes the index lacks: it is catching up, or the corpus cannot "
                           "be indexed and the previous index keeps serving (the server's log says why).")}},
    },
    "SourceSummary": {
        "type": "object",
        "required": ["id", "title", "source"],
        "properties": {"id": STRING, "title": STRING, "source": STRING, "url": STRING},
    },
    "SourceList": {
        "type": "object",
        "required": ["sources"],
        "properties": {"sources": {"type": "array", "items": ref("SourceSummary")}},
    },
    "NewDocument": {
        "type": "object",
        "required": ["name", "text"],
        "properties": {
            "name": {"type": "string", "pattern": DOCUMENT_NAME, "example": "psoas-notes.md",
                     "description": f"A plain file name ending {', '.join(sorted(SUFFIXES))}."},
            "text": {"type": "string", "minLength": 1, "description": "The document, UTF-8 text."},
            "replace": {"type": "boolean", "default": False, "description": "Update a document of the same name."},
        },
    },
    "BuildReport": {
        "type": "object",
        "required": ["documents", "passages", "seconds", "added", "updated", "removed", "unchanged"],
        "properties": {
            "documents": COUNT, "passages": COUNT, "seconds": {"type": "number"},
            "added": {"type": "array", "items": STRING}, "updated": {"type": "array", "items": STRING},
            "removed": {"type": "array", "items": STRING}, "unchanged": COUNT,
        },
    },
    "DocumentChange": {
        "type": "object",
        "required": ["document", "report"],
        "properties": {"document": STRING, "report": ref("BuildReport")},
    },
    "Reindexed": {"type": "object", "required": ["report"], "properties": {"report": ref("BuildReport")}},
    "Source": {
        "allOf": [ref("SourceSummary"), {
            "type": "object",
            "required": ["text", "body_start", "headings"],
            "properties": {
                "text": STRING,
                "body_start": {**COUNT, "description": "Where the article's body begins, after any front matter."},
                "headings": {"type": "array", "description": "The section headings, in order: each line's offsets "
                                                             "in text and the section's name, as citations give it.",
                             "items": {"type": "object", "required": ["start", "end", "text"],
                                       "properties": {"start": COUNT, "end": COUNT, "text": STRING}}},
            },
        }],
    },
}


def operation(summary: str, ok: dict, **extra) -> dict:
    """Return an operation whose every error is the Error shape."""
    return {"summary": summary, **extra, "responses": {"200": ok, "default": ERROR}}


def admin_operation(summary: str, status: str, ok: dict, **extra) -> dict:
    """Return an admin operation: bearer token required, switched off without ASSISTANT_ADMIN_TOKEN."""
    responses = {
        status: ok,
        "401": {**ERROR, "description": "The admin token is missing or wrong."},
        "403": {**ERROR, "description": "The admin API is switched off (ASSISTANT_ADMIN_TOKEN is not set)."},
        "429": {**ERROR, "description": "Too many wrong tokens from this address; wait Retry-After seconds."},
        "default": ERROR,
    }
    return {"summary": summary, "security": [{"adminToken": []}], **extra, "responses": responses}


def admin_paths() -> dict:
    """Return the admin API's paths: add and remove documents, reindex."""
    add = admin_operation(
        "Add (or with replace, update) a document and reindex", "201",
        json_content(ref("DocumentChange"), "Stored and indexed."),
        requestBody={"required": True, "content": {
            "application/json": {"schema": ref("NewDocument")},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}, "replace": {"type": "boolean"}}}},
        }},
    )
    add["responses"].update({
        "400": {**ERROR, "description": "Refused: a path as name, binary, not UTF-8, empty, unsupported type, too big."},
        "409": {**ERROR, "description": "The name or the same text is already in the corpus."},
        "413": {**ERROR, "description": "The upload is larger than the file size limit."},
    })
    remove = admin_operation(
        "Remove a document and reindex", "200", json_content(ref("DocumentChange"), "Removed and reindexed."),
        parameters=[{"name": "id", "in": "path", "required": True, "schema": STRING,
                     "description": "The document's id: its file name."}],
    )
    remove["responses"]["404"] = {**ERROR, "description": "No document has that name."}
    remove["responses"]["409"] = {**ERROR, "description": "It is the only document; the corpus must keep one."}
    reindex = admin_operation("Reindex the corpus folder", "200", json_content(ref("Reindexed"), "Reindexed."))
    reindex["responses"]["409"] = {**ERROR, "description": "A file in the corpus cannot be indexed; the old index serves."}
    return with_console_paths({"/api/documents": {"post": add}, "/api/documents/{id}": {"delete": remove},
            "/api/reindex": {"post": reindex},
            "/api/reports/feedback": {"get": report_operation(
                "List the answers rated down most often, with their questions, passages and comments",
                "FeedbackReport")},
            "/api/reports/unanswered": {"get": report_operation(
                "List the most frequent questions the articles did not answer, similar ones grouped",
                "UnansweredReport")},
            **taught_paths()})


def taught_paths() -> dict:
    """Return the admin API's taught-question paths: list, teach, edit, remove, and the passage search."""
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["question"], "properties": {
            "question": STRING, "history": {"type": "array", "items": STRING},
            "passage": {**STRING, "description": "A passage id, as /api/passages gives it (or source and quote)."},
            "source": STRING, "quote": STRING}}}}}
    taught_id = [{"name": "id", "in": "path", "required": True, "schema": STRING}]
    listing = {"type": "object"}
    teach = admin_operation("Teach a visitor's wording, attached to the passage that answers it", "201",
                            json_content(listing, "Taught and reindexed."), requestBody=body)
    edit = admin_operation("Replace a taught question", "200", json_content(listing, "Replaced and reindexed."),
                           requestBody=body, parameters=taught_id)
    remove = admin_operation("Remove a taught question", "200", json_content(listing, "Removed and reindexed."),
                             parameters=taught_id)
    for op in (teach, edit):
        op["responses"]["400"] = {**ERROR, "description": "No passage holds the quote, or the body is malformed."}
    for op in (edit, remove):
        op["responses"]["404"] = {**ERROR, "description": "No taught question has that id."}
    search = admin_operation("Rank the passages for a question, with scores, whether or not it would be answered",
                             "200", json_content(listing, "The passages and the answer."), parameters=[
        {"name": "q", "in": "query", "required": True, "schema": STRING},
        {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_K}},
        {"name": "history", "in": "query", "schema": {"type": "array", "items": STRING}}])
    return {"/api/taught": {"get": admin_operation("List the taught questions", "200",
                                                   json_content(listing, "The taught questions.")),
                            "post": teach},
            "/api/taught/{id}": {"put": edit, "delete": remove},
            "/api/passages": {"get": search}}


def with_console_paths(paths: dict) -> dict:
    """Return the paths with the console's added: sign-in and sign-out, the article listing and preview, the daily
    figures, the CSV downloads."""
    anything = {"type": "object"}
    signed = json_content({"type": "object", "required": ["signed_in"], "properties": {
        "signed_in": {"type": "boolean"}, "csrf_token": {**STRING, "description": "Send as X-CSRF-Token with changes."}}},
        "Whether this browser is signed in, and its CSRF token.")
    sign_in = operation("Sign in to the console: sets an HttpOnly, SameSite=Strict session cookie", signed,
                        requestBody={"required": True, "content": {"application/json": {"schema": {
                            "type": "object", "required": ["token"], "properties": {
                                "token": {"type": "string", "pattern": "\\S"}}}}}})
    sign_in["responses"].update({"400": {**ERROR, "description": 'The body is not {"token": "..."}.'},"401": {**ERROR, "description": "Not the admin token."},
                                 "403": {**ERROR, "description": "The Origin header names another site."},
                                 "404": {**ERROR, "description": "The console is off (no ASSISTANT_ADMIN_TOKEN)."},
                                 "429": {**ERROR, "description": "Too many wrong tokens from this address."}})
    report = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string",
               "enum": ["daily", "unanswered", "feedback"]}, "description": "Which report."}]
    article = [{"name": "id", "in": "path", "required": True, "schema": STRING, "description": "Its file name."}]
    daily = report_operation("Count the questions per day: high, low confidence, not found, urgent", "UnansweredReport")
    daily["responses"]["200"] = json_content(anything, "since_days, kinds, and days oldest first.")
    download = report_operation("Download a report as CSV: daily, unanswered or feedback", "UnansweredReport")
    download["parameters"] = report + download["parameters"]
    download["responses"]["200"] = {"description": "The report as CSV.", "content": {"text/csv": {"schema": STRING}}}
    download["responses"]["404"] = {**ERROR, "description": "No report of that name."}
    preview = admin_operation("Show an article as the engine sees it: its sections and passages", "200",
                              json_content(anything, "The article's sections and passages."), parameters=article)
    preview["responses"]["404"] = {**ERROR, "description": "No article has that name."}
    listing = admin_operation("List the articles: file, title, URL, passages, size, last change", "200",
                              json_content(anything, "The articles."))
    added = {"/api/console/session": {
                 "get": operation("Tell whether this browser is signed in to the console", signed),
                 "post": sign_in,
                 "delete": operation("Sign out of the console (X-CSRF-Token needed)", signed)},
             "/api/documents": {"get": listing}, "/api/documents/{id}": {"get": preview},
             "/api/reports/daily": {"get": daily}, "/api/reports/{id}.csv": {"get": download}}
    for path, operations in added.items():
        paths.setdefault(path, {}).update(operations)
    return paths


def report_operation(summary: str, schema: str) -> dict:
    """Return an admin report's operation: ?since=DAYS&limit=N, the report as JSON."""
    report = admin_operation(summary, "200", json_content(ref(schema), "The report (as the command line's --json)."),
                             parameters=[
        {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 1},
         "description": "Only answers given in the last DAYS days (default: all that are kept)."},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_REPORT_LIMIT,
                                                    "default": DEFAULT_REPORT_LIMIT}},
    ])
    report["responses"]["400"] = {**ERROR, "description": "since or limit is not a whole number in range."}
    report["responses"]["503"] = {**ERROR, "description": "The database cannot be reached; the server's log says why."}
    return report


NULLABLE_STRING = {"type": "string", "nullable": True}
# The /v1/ shapes: OpenAI's (https://platform.openai.com/docs/api-reference/chat), as far as this server uses them.
OPENAI_SCHEMAS = {
    "OpenAIError": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["message", "type", "param", "code"], "properties": {
            "message": STRING, "type": STRING, "param": NULLABLE_STRING, "code": NULLABLE_STRING}}},
    },
    "ChatMessage": {
        "type": "object",
        "required": ["role"],
        "properties": {
            "role": {"type": "string", "enum": list(ROLES)},
            "content": {"description": "A string or a list of content parts; of a user message, the text parts are "
                                       "read (others are left out), of other roles nothing.",
                        "oneOf": [STRING, {"type": "array", "items": {
                            "type": "object", "required": ["type"],
                            "properties": {"type": {"type": "string", "example": "text"}, "text": STRING}}}]},
        },
    },
    "ChatRequest": {
        "type": "object",
        "required": ["model", "messages"],
        "description": "The last user message is the question, the earlier ones (the latest 10) its history. Other "
                       "fields of OpenAI's (n, temperature, max_tokens, top_p ...) are accepted and ignored: the "
                       "answer is verbatim text from the articles, one choice, never cut short.",
        "properties": {
            "model": {"type": "string", "enum": [MODEL]},
            "messages": {"type": "array", "minItems": 1, "items": ref("ChatMessage")},
            "stream": {"type": "boolean", "nullable": True, "default": False,
                       "description": "Send the reply as server-sent events of chat.completion.chunk objects."},
        },
    },
    "ChatCompletion": {
        "type": "object",
        "required": ["id", "object", "created", "model", "choices", "result"],
        "properties": {
            "id": STRING, "object": {"type": "string", "enum": ["chat.completion"]}, "created": COUNT,
            "model": {"type": "string", "enum": [MODEL]},
            "choices": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
                "type": "object", "required": ["index", "message", "finish_reason"], "properties": {
                    "index": COUNT, "finish_reason": {"type": "string", "enum": ["stop"]},
                    "message": {"type": "object", "required": ["role", "content"], "properties": {
                        "role": {"type": "string", "enum": ["assistant"]},
                        "content": {"type": "string", "description": "Markdown: urgent-care advice when urgent, the "
                                    "answer, the passages quoted with numbered citations, the disclaimer."}}}}}},
            "result": {**ref("Answer"), "description": "The result object, as POST /api/answer returns it."},
        },
    },
    "Model": {
        "type": "object",
        "required": ["id", "object", "created", "owned_by"],
        "properties": {"id": {"type": "string", "enum": [MODEL]}, "object": {"type": "string", "enum": ["model"]},
                       "created": COUNT, "owned_by": STRING},
    },
    "ModelList": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {"object": {"type": "string", "enum": ["list"]}, "data": {"type": "array", "items": ref("Model")}},
    },
}
OPENAI_ERROR = json_content(ref("OpenAIError"), 'Any error, in OpenAI\'s shape: {"error": {"message", "type", '
                                                '"param", "code"}}')


def openai_operation(summary: str, ok: dict, **extra) -> dict:
    """Return a /v1/ operation: its errors in OpenAI's shape, the API key needed only when the server has one."""
    return {"summary": summary, "security": [{}, {"apiKey": []}], **extra, "responses": {
        "200": ok, "401": {**OPENAI_ERROR, "description": "The server has an API key and it was not sent."},
        "default": OPENAI_ERROR}}


def openai_paths() -> dict:
    """Return the OpenAI-compatible API's paths: chat completions and models."""
    completion = openai_operation(
        "Answer the last user message, as OpenAI's chat completions do", {
            "description": "The completion, or with stream true its chunks as server-sent events ending with "
                           "data: [DONE] (the last chunk carries result).",
            "content": {"application/json": {"schema": ref("ChatCompletion")},
                        "text/event-stream": {"schema": {"type": "string"}}}},
        requestBody={"required": True, "content": {"application/json": {"schema": ref("ChatRequest")}}})
    completion["responses"].update({
        "404": {**OPENAI_ERROR, "description": "The model is not this server's (code model_not_found)."},
        "429": {**OPENAI_ERROR, "description": "Too many questions from this address (counted with /api/answer)."},
    })
    model = openai_operation("Describe a model", json_content(ref("Model"), "The model."), parameters=[
        {"name": "id", "in": "path", "required": True, "schema": STRING, "description": "The model's id."}])
    model["responses"]["404"] = {**OPENAI_ERROR, "description": "Not this server's model."}
    return {"/v1/chat/completions": {"post": completion},
            "/v1/models": {"get": openai_operation("List the models: this server's one",
                                                   json_content(ref("ModelList"), "The models."))},
            "/v1/models/{id}": {"get": model}}


def spec() -> dict:
    """Return the OpenAPI document."""
    try:
        api_version = version("iliopsoas-assistant")
    except PackageNotFoundError:  # running from a checkout that was never installed
        api_version = "0"
    answer = operation(
        "Answer a question with cited passages from the articles",
        json_content(ref("Answer"), "The engine's result object."),
        requestBody={"required": True, "content": {"application/json": {"schema": ref("Question")}}},
    )
    answer["responses"].update({
        "400": {**ERROR, "description": "The body is not a JSON object, or the question, history or top_k is wrong."},
        "413": {**ERROR, "description": "The body is larger than 16 KiB."},
        "415": {**ERROR, "description": "The body is not sent as application/json."},
        "429": {**ERROR, "description": "Too many questions from this address; wait and retry."},
    })
    feedback = operation(
        "Rate an answer up or down, with an optional comment (a later rating of the same answer replaces it)",
        json_content(ref("FeedbackStored"), "Stored with the recorded answer."),
        requestBody={"required": True, "content": {"application/json": {"schema": ref("Feedback")}}},
    )
    feedback["responses"].update({
        "400": {**ERROR, "description": "An unknown answer_id, a rating not up or down, a comment too long, an "
                                        "unknown field."},
        "403": {**ERROR, "description": "The server records nothing (ASSISTANT_RECORD_QUESTIONS=false)."},
        "415": answer["responses"]["415"],
        "429": answer["responses"]["429"],
        "503": {**ERROR, "description": "The database cannot be reached; the server's log says why."},
    })
    source = operation(
        "Return an article's title and text, so a citation can be shown in context",
        json_content(ref("Source"), "The article."),
        parameters=[{"name": "id", "in": "path", "required": True, "schema": STRING,
                     "description": "The article's id (its file name), as in a citation's source."}],
    )
    source["responses"]["404"] = {**ERROR, "description": "No article has that id."}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Iliopsoas assistant API", "version": api_version,
                 "description": "Answers questions about the hip flexors from our articles, with citations. "
                                "General information, not medical advice."},
        "paths": {
            "/api/answer": {"post": answer},
            "/api/feedback": {"post": feedback},
            "/api/health": {"get": operation("Report status, the index's size and age, and whether it is stale",
                                             json_content(ref("Health"), "Up."))},
            "/api/sources": {"get": operation("List the articles", json_content(ref("SourceList"), "The articles."))},
            "/api/sources/{id}": {"get": source},
            **admin_paths(),
            **openai_paths(),
        },
        "components": {"schemas": SCHEMAS | OPENAI_SCHEMAS, "securitySchemes": {
            "adminToken": {"type": "http", "scheme": "bearer",
                           "description": "The server's ASSISTANT_ADMIN_TOKEN; without it the admin API answers 403."},
            "apiKey": {"type": "http", "scheme": "bearer",
                       "description": "The server's ASSISTANT_API_KEY, if it has one; otherwise any key or none."}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    """Serve the OpenAPI description."""
    return jsonify(spec())
