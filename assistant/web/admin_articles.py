"""The admin API's article listing and preview: what the console's Articles table and preview show.

Routes of the admin blueprint (its token check and error shape apply). Both read the index the chat
answers from, so a preview shows the passages and sections exactly as the engine sees them.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field

from ..engine.chunking import headings
from ..errors import DocumentNotFound
from .admin import admin
from .api import current_index, source_summary


class ArticleList(BaseModel):
    """The articles: each one's file, title, URL, passages, size in bytes and last change."""

    model_config = ConfigDict(extra="allow")
    documents: list[dict] = Field(description="One per article: source_summary plus passages, bytes, modified.")
    passages: int
    built_at: str


class ArticlePreview(BaseModel):
    """An article as the engine sees it: its sections and its passages (id, section, text)."""

    model_config = ConfigDict(extra="allow")
    sections: list[str]
    passages: list[dict]


@admin.route("GET", "/documents", "List the articles: file, title, URL, passages, size, last change",
             response=ArticleList)
def list_documents():
    """List the articles: file, title, URL, passages, size in bytes and when the file last changed."""
    index = current_index()
    counts = [0] * len(index.documents)
    for doc in index.passage_doc.tolist():
        counts[doc] += 1
    corpus = current_app.extensions["assistant"].corpus_dir
    listed = []
    for document, passages in zip(index.documents, counts):
        path = corpus / document.source
        stat = path.stat() if path.is_file() else None  # a file removed since the last reindex
        listed.append(source_summary(document) | {
            "passages": passages, "bytes": stat.st_size if stat else None,
            "modified": utc_iso(stat.st_mtime) if stat else None})
    return jsonify(documents=listed, passages=index.passage_count, built_at=index.meta["built_at"])


@admin.route("GET", "/documents/<name>", "Show an article as the engine sees it: its sections and passages",
             response=ArticlePreview, params={"name": "The article's file name."},
             errors={404: "No article has that name."})
def preview_document(name: str):
    """Return one article as the engine sees it: its sections and its passages (id, section, text)."""
    index = current_index()
    for number, document in enumerate(index.documents):
        if document.source == name:
            passages = [{"id": index.passage_id(p), "section": index.section(p), "text": index.passage_text(p)}
                        for p in range(index.passage_count) if index.passage_doc[p] == number]
            return jsonify(source_summary(document) | {
                "sections": [text for _, _, text in headings(document)], "passages": passages})
    raise DocumentNotFound(f"no article named {name!r}; GET /api/documents lists them")


def utc_iso(timestamp: float) -> str:
    """Return a file time as ISO 8601 UTC with a Z."""
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
