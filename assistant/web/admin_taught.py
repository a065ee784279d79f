"""The admin API's taught questions: list, teach, edit and remove alternate questions, behind the admin token.

Routes of the admin blueprint (its token check and error shape apply); a running server and its other
workers switch to the new index as they do for documents.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from ..config import MAX_TOP_K
from ..engine import index as index_module, taught as taught_module
from ..engine.answer import search
from ..errors import BadQuestion, BadTaught, TaughtNotFound
from .admin import bp, failed_reindex_says_why, reindex, report_json
from .api import current_index, json_body

EXAMPLE = '{"question": "wich nerve controls the iliacus", "passage": "file.txt:120-340"}'


@bp.get("/taught")
def list_taught():
    """List the taught questions, each with the passages its quote anchors it to (none: its quote is gone)."""
    return jsonify(taught=index_module.taught_listing(current_index()))


@bp.post("/taught")
def teach():
    """Teach a visitor's wording: {"question", "history"?, "passage": ID} or {"question", "history"?, "source",
    "quote"}."""
    new = taught_from_body()
    holder = current_app.extensions["assistant"]
    with failed_reindex_says_why(), bad_taught_is_400():
        report = taught_module.teach(holder.corpus_dir, new, lambda: reindex(holder))
    return jsonify(taught=listed(new.id), report=report_json(report)), 201


@bp.put("/taught/<taught_id>")
def edit(taught_id: str):
    """Replace a taught question by the one in the body (same shape as teaching one)."""
    new = taught_from_body()
    holder = current_app.extensions["assistant"]
    with failed_reindex_says_why(), bad_taught_is_400():
        report = taught_module.edit(holder.corpus_dir, taught_id, new, lambda: reindex(holder))
    return jsonify(taught=listed(new.id), report=report_json(report))


@bp.delete("/taught/<taught_id>")
def untaught(taught_id: str):
    """Remove a taught question (unknown id: 404)."""
    holder = current_app.extensions["assistant"]
    with failed_reindex_says_why(), bad_taught_is_400():
        removed, report = taught_module.untaught(holder.corpus_dir, taught_id, lambda: reindex(holder))
    return jsonify(removed={"id": removed.id, **removed.to_dict()}, report=report_json(report))


@bp.get("/passages")
def passages():
    """Rank the passages for ?q=QUESTION (&k=N), with the engine's scores, whether or not it would answer:
    what an owner picks the answering passage from."""
    question, k = request.args.get("q", ""), request.args.get("k", "10")
    if not (k.isascii() and k.isdigit() and 1 <= int(k) <= MAX_TOP_K):
        raise BadRequest(f"k must be a whole number from 1 to {MAX_TOP_K}, not {k[:20]!r}")
    try:
        return jsonify(search(current_index(), question, request.args.getlist("history"), int(k)))
    except BadQuestion as error:
        raise BadRequest(str(error)) from None


def taught_from_body() -> taught_module.Taught:
    """Return the taught question a JSON body describes, its passage id turned into a quote.

    Raises BadRequest saying what to send.
    """
    body = json_body(EXAMPLE)
    if not isinstance(body, dict):
        raise BadRequest(f"send a JSON object like {EXAMPLE}")
    if ("passage" in body) == ("quote" in body):
        raise BadRequest(f'say which passage answers it: "passage" (an id from /api/passages), or "source" and '
                         f'"quote"; like {EXAMPLE}')
    item = dict(body)
    with bad_taught_is_400():
        if "passage" in body:
            if not isinstance(body["passage"], str):
                raise BadTaught('"passage" must be a passage id string, like "file.txt:120-340"')
            item["source"], item["quote"] = taught_module.passage_anchor(current_index(), item.pop("passage"))
        return taught_module.check_taught(item, "the taught question")


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
