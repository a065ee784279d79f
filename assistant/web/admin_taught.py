"""The admin API's taught questions: list, teach, edit and remove alternate questions, behind the admin token.

Routes of the admin API (its token check, error shape and contract apply); a running server and its other
workers switch to the new index as they do for documents.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

from flask import current_app, jsonify
from pydantic import BaseModel, BeforeValidator, Field
from werkzeug.exceptions import BadRequest, NotFound

from ..config import MAX_QUESTION_CHARS, MAX_TOP_K
from ..engine import index as index_module, taught as taught_module
from ..engine.answer import search
from ..engine.taught import MAX_QUOTE_CHARS
from ..errors import BadQuestion, BadTaught, TaughtNotFound
from .admin import admin, failed_reindex_says_why, reindex, report_json
from .api import current_index
from .contract import Body, Query
from .models import NOT_BLANK, BuildReport, Passage, QuestionText, Result, whole_number

CHANGE_ERRORS = {400: "No passage holds the quote, or no passage has that id.",
                 409: "A file in the corpus cannot be indexed; the old index serves."}


class TaughtQuestion(Body):
    """A visitor's wording and the passage that answers it: by id, or by its document and a quote; or
    "not_answered": true for a question the articles do not answer."""

    example = '{"question": "wich nerve controls the iliacus", "passage": "file.txt:120-340"}'
    question: QuestionText = Field(examples=["wich nerve controls the iliacus"])
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default=[], description="The chat's earlier questions, for a follow-up wording.")
    passage: str | None = Field(default=None, min_length=1, description="A passage id, as /api/passages gives "
                                "it (\"file.txt:120-340\"); or give source and quote.")
    source: str | None = Field(default=None, min_length=1, description="The document the quote is in.")
    quote: Annotated[str, Field(max_length=MAX_QUOTE_CHARS, pattern=NOT_BLANK)] | None = Field(
        default=None, description="A few exact words of the answer in that document.")
    not_answered: bool = Field(default=False, description="True: the articles do not answer it, and the assistant "
                               "says so to questions like it (no passage, source or quote then).")


class Taught(BaseModel):
    id: str = Field(description="The taught question's id (stays the same while it is unchanged).")
    question: str
    history: list[str]
    source: str | None = Field(description="The document that answers it; null when taught as not answered.")
    quote: str | None
    not_answered: bool = Field(description="Taught as a question the articles do not answer.")
    passages: list[str] = Field(description="The ids of the passages its quote is in; none when the quote is gone.")


class TaughtList(BaseModel):
    taught: list[Taught]


class TaughtChange(BaseModel):
    taught: Taught
    report: BuildReport


class TaughtRemoved(BaseModel):
    removed: dict = Field(description="The taught question removed: id, question, source, quote, history.")
    report: BuildReport


class PassageQuery(Query):
    q: QuestionText = Field(description="The question.")
    k: Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(whole_number)] = Field(
        default=10, description="How many passages.")


class PassageSearch(BaseModel):
    question: str
    passages: list[Passage] = Field(description="The best passages with their scores, whether or not the engine "
                                    "would answer with them.")
    answer: Result = Field(description="What the engine answers now.")


@admin.route("GET", "/taught", "List the taught questions", response=TaughtList)
def list_taught():
    """List the taught questions, each with the passages its quote anchors it to (none: its quote is gone)."""
    return jsonify(taught=index_module.taught_listing(current_index()))


@admin.route("POST", "/taught", "Teach a visitor's wording, attached to the passage that answers it",
             body=TaughtQuestion, response=TaughtChange, status=201, errors=CHANGE_ERRORS)
def teach(body: TaughtQuestion):
    """Teach a visitor's wording: {"question", "history"?, "passage": ID} or {"question", "history"?, "source",
    "quote"}, or {"question", "history"?, "not_answered": true} for one the articles do not answer."""
    new = taught_from(body)
    holder = current_app.extensions["assistant"]
    with failed_reindex_says_why(), bad_taught_is_400():
        report = taught_module.teach(holder.corpus_dir, new, lambda: reindex(holder))
    return jsonify(taught=listed(new.id), report=report_json(report)), 201


@admin.route("PUT", "/taught/<taught_id>", "Replace a taught question", body=TaughtQuestion, response=TaughtChange,
             params={"taught_id": "The taught question's id."}, errors={**CHANGE_ERRORS,
                                                                       404: "No taught question has that id."})
def edit(taught_id: str, body: TaughtQuestion):
    """Replace a taught question by the one in the body (same shape as teaching one)."""
    new = taught_from(body)
    holder = current_app.extensions["assistant"]
    with failed_reindex_says_why(), bad_taught_is_400():
        report = taught_module.edit(holder.corpus_dir, taught_id, new, lambda: reindex(holder))
    return jsonify(taught=listed(new.id), report=report_json(report))


@admin.route("DELETE", "/taught/<taught_id>", "Remove a taught question", response=TaughtRemoved,
             params={"taught_id": "The taught question's id."}, errors={404: "No taught question has that id."})
def untaught(taught_id: str):
    """Remove a taught question (unknown id: 404)."""
    holder = current_app.extensions["assistant"]
    with failed_reindex_says_why(), bad_taught_is_400():
        removed, report = taught_module.untaught(holder.corpus_dir, taught_id, lambda: reindex(holder))
    return jsonify(removed={"id": removed.id, **removed.to_dict()}, report=report_json(report))


@admin.route("GET", "/passages", "Rank the passages for a question, with scores, whether or not it would be "
             "answered", query=PassageQuery, response=PassageSearch)
def passages(query: PassageQuery):
    """Rank the passages for ?q=QUESTION (&k=N), with the engine's scores: what an owner picks the passage that
    answers a question from."""
    try:
        return jsonify(search(current_index(), query.q, [], query.k))
    except BadQuestion as error:
        raise BadRequest(str(error)) from None


def taught_from(body: TaughtQuestion) -> taught_module.Taught:
    """Return the taught question a body describes, its passage id turned into a quote.

    Raises BadRequest saying what to send.
    """
    if body.not_answered:
        if body.passage is not None or body.source is not None or body.quote is not None:
            raise BadRequest('a question taught as not answered has no "passage", "source" or "quote"; send '
                             '{"question": ..., "not_answered": true}')
        return taught_module.check_taught({"question": body.question, "history": body.history,
                                           "not_answered": True}, "the taught question")
    if (body.passage is None) == (body.quote is None) or (body.quote is not None and body.source is None):
        raise BadRequest(f'say which passage answers it: "passage" (an id from /api/passages), or "source" and '
                         f'"quote"; like {TaughtQuestion.example}')
    with bad_taught_is_400():
        source, quote = ((body.source, body.quote) if body.passage is None
                         else taught_module.passage_anchor(current_index(), body.passage))
        return taught_module.check_taught({"question": body.question, "history": body.history, "source": source,
                                           "quote": quote}, "the taught question")


def listed(taught_id: str) -> dict:
    """Return the taught question of that id as the listing gives it, from the new index."""
    return next(row for row in index_module.taught_listing(current_index()) if row["id"] == taught_id)


@contextmanager
def bad_taught_is_400():
    """Turn BadTaught into 400 and TaughtNotFound into 404, with the library's message."""
    try:
        yield
    except TaughtNotFound as error:
        raise NotFound(str(error)) from None
    except BadTaught as error:
        raise BadRequest(str(error)) from None
