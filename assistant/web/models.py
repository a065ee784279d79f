"""The JSON API's requests and responses as pydantic models: they validate requests and make /openapi.json.

Request models (Body, Query) are what the server checks; response models describe what it sends
(the engine builds its result as a plain dict). The OpenAI-compatible API's are in openai_models.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, NonNegativeInt

from ..config import (DEFAULT_REPORT_LIMIT, DEFAULT_TOP_K, MAX_COMMENT_CHARS, MAX_DAYS, MAX_HISTORY,
                      MAX_QUESTION_CHARS, MAX_REPORT_LIMIT, MAX_TOP_K)
from ..engine.corpus import SUFFIXES
from ..store import RATINGS
from .contract import Body, Query

# A letter or digit somewhere: the engine refuses a question without one as blank (answer.check_question).
# Unicode categories, not \w: in a JSON Schema pattern \w is ASCII only, in Python it is not.
NOT_BLANK = r"[\p{L}\p{N}]"
BLANK = ("{name} is blank (it has no letter or digit); ask something about the hip flexors, "
         "e.g. 'How do I stretch my hip flexors?'")
ANSWER_ID = "^[0-9a-f]{32}$"
# A document's name ends with a suffix the server reads, in any case (".TXT" too).
DOCUMENT_NAME = r"\.(" + "|".join(sorted("".join(f"[{c}{c.upper()}]" for c in suffix[1:]) for suffix in SUFFIXES)) + ")$"

QuestionText = Annotated[str, Field(max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK,
                                    json_schema_extra={"x-error": BLANK})]


def integral(value):
    """Read 10.0 as 10: JSON Schema counts a number with no fraction as an integer, and so do we."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole_number(value):
    """Read a query string's whole number: ASCII digits only ("+7", "7.0" and " 7" are not)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value  # pydantic refuses it with its own message



class Error(BaseModel):
    """Any error: {"error": "<what is wrong and how to fix it>"}."""

    error: str


# ---- requests ----

class Question(Body):
    """A question, with the chat's earlier questions."""

    example = '{"question": "How do I stretch my hip flexors?"}'
    question: QuestionText = Field(examples=["How do I stretch my hip flexors?"])
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default=[], max_length=MAX_HISTORY, description="The chat's earlier questions, oldest first.")
    top_k: Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(integral)] = Field(
        default=DEFAULT_TOP_K, description="How many passages to return.")


class Feedback(Body):
    """A rating of an answer, with an optional comment."""

    example = '{"answer_id": "<the answer_id of the answer>", "rating": "down", "comment": "It does not say how long."}'
    answer_id: str = Field(pattern=ANSWER_ID, description="The answer_id the answer came with.", json_schema_extra={
        "x-error": "unknown {name} {value}: answer ids are 32 hexadecimal characters, as /api/answer gives them"})
    rating: Literal[RATINGS]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS,
                                description="What was wrong or missing (blank or null: none).")


class NewDocument(Body):
    """A document to add, as JSON."""

    example = '{"name": "psoas-notes.md", "text": "..."}'
    name: str = Field(pattern=DOCUMENT_NAME, examples=["psoas-notes.md"],
                      description=f"A plain file name ending {', '.join(sorted(SUFFIXES))}.",
                      json_schema_extra={"x-error": f"{{name}} must be a file name ending "
                                                    f"{', '.join(sorted(SUFFIXES))}, not {{value}}"})
    text: str = Field(min_length=1, description="The document, UTF-8 text.",
                      json_schema_extra={"x-error": "{name} is empty; send the document's text"})
    replace: bool = Field(default=False, description="Update a document of the same name.")


class Upload(BaseModel):
    """A document to add, as a multipart upload (described only: admin.uploaded_document reads it)."""

    file: bytes = Field(description="The document's file.")
    replace: bool = Field(default=False, description="Update a document of the same name.")


class ReportQuery(Query):
    """?since=DAYS&limit=N"""

    since: Annotated[int, Field(ge=1, le=MAX_DAYS), BeforeValidator(whole_number)] | None = Field(
        default=None, description="Only answers given in the last DAYS days (default: all that are kept).")
    limit: Annotated[int, Field(ge=1, le=MAX_REPORT_LIMIT), BeforeValidator(whole_number)] = Field(
        default=DEFAULT_REPORT_LIMIT, description="How many to list.")


# ---- responses ----

class Citation(BaseModel):
    source: str = Field(description="The article's id (its file name).")
    title: str
    section: str | None
    start: NonNegativeInt = Field(description="Offset of the passage in the article's text.")
    end: NonNegativeInt
    url: str | None = Field(default=None, description="The article's address, when known.")


class Passage(BaseModel):
    id: str
    text: str
    score: float = Field(description="The fused ranking score (BM25 and semantic z-scores, weighted): higher is "
                                     "better, so it decreases down the list; it compares within one answer only.")
    citation: Citation


class Result(BaseModel):
    """The engine's result object."""

    question: str
    found: bool = Field(description="False when the articles do not answer the question.")
    confidence: Literal["high", "low"] | None = Field(
        description="How surely the first passage answers: high, low (the passages may not answer exactly), or "
                    "null when found is false.")
    answer: str = Field(description="The best sentence, the urgent-care advice or the fallback.")
    passages: list[Passage] = Field(description="Ranked, best first.")
    urgent: bool = Field(description="True when the question describes a red flag.")
    disclaimer: str


class Answer(Result):
    """The engine's result object, with the answer's own id first."""

    answer_id: Annotated[str, Field(pattern=ANSWER_ID)] | None = Field(
        description="This answer's own id, to rate it with POST /api/feedback; null when the server records "
                    "nothing (ASSISTANT_RECORD_QUESTIONS=false).")


class FeedbackStored(BaseModel):
    answer_id: str
    rating: Literal[RATINGS]
    comment: str | None


class AskedQuestion(BaseModel):
    question: str
    history: list[str]
    count: NonNegativeInt


class RatedAnswer(BaseModel):
    answer: str
    passages: list[str]
    found: bool
    confidence: str | None
    urgent: bool
    down: NonNegativeInt
    up: NonNegativeInt
    questions: list[AskedQuestion]
    comments: list[str]
    last_rated: datetime


class FeedbackReport(BaseModel):
    since_days: int | None
    answers: list[RatedAnswer] = Field(description="The answers rated down most often first.")


class Wording(BaseModel):
    question: str
    count: NonNegativeInt


class AskedGroup(BaseModel):
    """Similar questions: the most frequent wording, how often they were asked, every wording."""

    question: str
    count: NonNegativeInt
    variants: list[Wording]
    last_asked: datetime


class UnansweredGroup(AskedGroup):
    not_found: NonNegativeInt
    low_confidence: NonNegativeInt


class UrgentQuestions(BaseModel):
    count: NonNegativeInt = Field(description="How many urgent questions were asked.")
    questions: list[AskedGroup] = Field(description="The most frequent first; similar questions grouped.")


class UnansweredReport(BaseModel):
    since_days: int | None
    questions: list[UnansweredGroup] = Field(description="The gaps: questions the articles did not answer, or "
                                                         "answered with low confidence; the most frequent first.")
    urgent: UrgentQuestions = Field(description="Questions answered with the urgent-care advice (a fall, a sudden "
                                                "weakness): apart, never gaps for an article to fill.")


class Health(BaseModel):
    status: Literal["ok"]
    documents: NonNegativeInt
    passages: NonNegativeInt
    built_at: datetime
    stale: bool = Field(description="True when the server's last look at the corpus folder (every "
                                    "CORPUS_CHECK_SECONDS, 5 by default) found changes the index lacks: it is catching "
                                    "up, or the corpus cannot be indexed and the previous index keeps serving (the "
                                    "server's log says why).")


class SourceSummary(BaseModel):
    id: str
    title: str
    source: str
    url: str | None = None


class SourceList(BaseModel):
    sources: list[SourceSummary]


class Heading(BaseModel):
    start: NonNegativeInt
    end: NonNegativeInt
    text: str


class Source(SourceSummary):
    text: str
    body_start: NonNegativeInt = Field(description="Where the article's body begins, after any front matter.")
    headings: list[Heading] = Field(description="The section headings, in order: each line's offsets in text and "
                                                "the section's name, as citations give it.")


class BuildReport(BaseModel):
    documents: NonNegativeInt
    passages: NonNegativeInt
    seconds: float
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: NonNegativeInt


class DocumentChange(BaseModel):
    document: str
    report: BuildReport


class Reindexed(BaseModel):
    report: BuildReport
