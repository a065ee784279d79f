"""Taught questions: visitors' wordings attached to the passage that answers them (alternate questions), and
wordings the articles do not answer.

They live in the corpus folder as `questions.jsonl`, one JSON object a line:
`{"question": "...", "history": ["..."], "source": "file.txt", "quote": "exact words of the answer"}`, or
`{"question": "...", "not_answered": true}` for a question the clinic knows its articles do not answer.
The quote anchors the question to the passages of `source` that hold it (compared lowercased, letters and
digits only), so edits elsewhere in the document do not move it. Reindex embeds each question once; the
ranking then brings up a passage whose taught question is close to a visitor's, and the gate refuses a
visitor's question that is close to one taught as not answered.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..config import MAX_QUESTION_CHARS
from ..errors import BadTaught, NotWritten, TaughtNotFound
from .files import json_lines, write_atomically
from .documents import corpus_lock

if TYPE_CHECKING:
    from .index import BuildReport

TAUGHT_FILE = "questions.jsonl"
MAX_QUOTE_CHARS = 300
QUOTE_CHARS = 160  # the length of a quote made from a passage id: enough to be unique, short enough to survive edits
NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Taught:
    """One taught question: the wording (and the chat before it), and the quote of the answer it is attached to;
    no source and no quote for a question taught as one the articles do not answer."""

    question: str
    source: str = ""
    quote: str = ""
    history: tuple[str, ...] = field(default=())

    @property
    def answered(self) -> bool:
        """Tell whether the articles answer it (it is attached to a quote) or it is taught as not answered."""
        return bool(self.source)

    @property
    def id(self) -> str:
        """Return a short id that stays the same as long as the question, history and anchor do."""
        key = json.dumps([self.question, list(self.history), self.source, self.quote], ensure_ascii=False)
        return hashlib.sha256(key.encode()).hexdigest()[:10]

    @classmethod
    def from_dict(cls, record: dict) -> "Taught":
        """Return the Taught that to_dict() wrote (already checked: the index keeps them so)."""
        return cls(record["question"], record.get("source", ""), record.get("quote", ""),
                   tuple(record.get("history", ())))

    def to_dict(self) -> dict:
        item = ({"question": self.question, "source": self.source, "quote": self.quote} if self.answered
                else {"question": self.question, "not_answered": True})
        return {**item, "history": list(self.history)} if self.history else item


def normalise(text: str) -> str:
    """Return the text lowercased with everything but letters and digits removed, as anchors are compared."""
    return NOT_ALNUM.sub("", text.lower())


def check_taught(item, where: str = "taught question") -> Taught:
    """Return a Taught from a JSON object, checked.

    Raises BadTaught saying which field is wrong and how to fix it.
    """
    if not isinstance(item, dict):
        raise BadTaught(f"{where}: must be a JSON object with question, source and quote (or \"not_answered\": true)")
    question, source, quote = item.get("question"), item.get("source"), item.get("quote")
    history, not_answered = item.get("history") or [], item.get("not_answered", False)
    if not isinstance(question, str) or not question.strip():
        raise BadTaught(f"{where}: \"question\" must be a non-blank string (the visitor's wording)")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadTaught(f"{where}: the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise BadTaught(f"{where}: \"history\" must be a list of the chat's earlier questions (strings)")
    history = tuple(h.strip() for h in history if h.strip())
    if not isinstance(not_answered, bool):
        raise BadTaught(f"{where}: \"not_answered\" must be true or false")
    if not_answered:
        if source is not None or quote is not None:
            raise BadTaught(f"{where}: a question taught as not answered has no source or quote; give either "
                            "\"not_answered\": true or the source and quote of its answer")
        return Taught(question.strip(), history=history)
    if not isinstance(source, str) or not source.strip():
        raise BadTaught(f"{where}: \"source\" must name the document that answers it, e.g. \"psoas-notes.txt\"")
    if not isinstance(quote, str) or not normalise(quote):
        raise BadTaught(f"{where}: \"quote\" must be a few exact words of the answer in the document")
    if len(quote) > MAX_QUOTE_CHARS:
        raise BadTaught(f"{where}: the quote is {len(quote)} characters long; quote at most {MAX_QUOTE_CHARS} "
                        "characters of the answer")
    return Taught(question.strip(), source.strip(), " ".join(quote.split()), history)


def read_taught(corpus_dir: Path) -> list[Taught]:
    """Return the corpus folder's taught questions (none when it has no questions file).

    Raises BadTaught naming the line that cannot be read.
    """
    path = Path(corpus_dir) / TAUGHT_FILE
    if not path.is_file():
        return []
    return [check_taught(item, where) for where, item in json_lines(path, BadTaught, "the taught questions")]


def write_taught(corpus_dir: Path, taught: list[Taught]) -> None:
    """Write the taught questions file atomically.

    Raises NotWritten (a full disk...); the file is then as it was.
    """
    path = Path(corpus_dir) / TAUGHT_FILE
    data = "".join(json.dumps(t.to_dict(), ensure_ascii=False) + "\n" for t in taught).encode("utf-8")
    try:
        write_atomically(path, lambda file: file.write(data))
    except OSError as error:
        raise NotWritten(f"could not write the taught questions '{path}' ({error.strerror or error}); "
                         "nothing changed") from error


def add(taught: list[Taught], new: Taught) -> list[Taught]:
    """Return the list with a new taught question (the same one twice is kept once)."""
    return taught if any(t.id == new.id for t in taught) else [*taught, new]


def remove(taught: list[Taught], taught_id: str) -> tuple[list[Taught], Taught]:
    """Return the list without the taught question of that id, and the one removed.

    Raises TaughtNotFound if no taught question has that id.
    """
    for i, item in enumerate(taught):
        if item.id == taught_id:
            return taught[:i] + taught[i + 1:], item
    raise TaughtNotFound(f"no taught question has the id '{taught_id}'; `assistant teach --list` shows them")


def quote_for(text: str, sentences: list[tuple[int, int]], shared: list[int]) -> str:
    """Return a quote that anchors a passage: its sentence found in the fewest other passages, cut short.

    `shared[i]` is how many passages hold sentence i (passages overlap).
    """
    best = min(range(len(sentences)), key=lambda i: (shared[i], -min(sentences[i][1] - sentences[i][0], QUOTE_CHARS)))
    start, end = sentences[best]
    quote = " ".join(text[start:end].split())
    if len(quote) > QUOTE_CHARS:
        quote = quote[:QUOTE_CHARS].rsplit(" ", 1)[0]
    return quote


def exact_quote(text: str, phrase: str) -> str | None:
    """Return the source's own words for a phrase found in the text as anchors are compared, None if it is not there."""
    kept = [(i, char.lower()) for i, char in enumerate(text) if char.isalnum()]
    at = "".join(char for _, char in kept).find(normalise(phrase))
    if at < 0 or not normalise(phrase):
        return None
    start, end = kept[at][0], kept[at + len(normalise(phrase)) - 1][0] + 1
    return " ".join(text[start:end].split())


def from_question_set(questions: list[dict], documents) -> tuple[list[Taught], list[dict]]:
    """Return taught questions made from a question set: each answerable question attached to every document that
    holds one of its evidence phrases (the phrase is the quote), each out-of-scope one taught as not answered; and
    the answerable questions whose evidence no document holds."""
    taught, unmatched = [], []
    for item in questions:
        if item.get("expect") == "none":
            taught = add(taught, Taught(item["question"].strip(), history=tuple(item.get("history") or ())))
        if item.get("expect") != "answer":
            continue
        found = False
        for document in documents:
            for phrase in item.get("evidence") or []:
                quote = exact_quote(document.text, phrase)
                if quote:
                    found = True
                    taught = add(taught, Taught(item["question"].strip(), document.source, quote,
                                                tuple(item.get("history") or ())))
        if not found:
            unmatched.append(item)
    return taught, unmatched


def passage_anchor(index, passage_id: str) -> tuple[str, str]:
    """Return (source, quote) anchoring the passage of an id as the result object gives it ("file.txt:120-340").

    Raises BadTaught if no passage of the index has that id.
    """
    source, _, span = str(passage_id).rpartition(":")
    start, _, end = span.partition("-")
    for p in range(index.passage_count):
        document = index.documents[index.passage_doc[p]]
        if document.source == source and f"{index.passage_start[p]}-{index.passage_end[p]}" == f"{start}-{end}":
            slots = slice(index.sentence_ptr[p], index.sentence_ptr[p + 1])
            passages_holding = np.bincount(index.span_sentence)  # overlapping passages share sentences
            return source, quote_for(document.text, index.passage_sentences(p),
                                     passages_holding[index.span_sentence[slots]].tolist())
    raise BadTaught(f"no passage has the id '{passage_id}'; use an id as `assistant ask --json` gives it, "
                    "e.g. 'file.txt:120-340', or give the document and a quote of the answer instead")


def teach(corpus_dir: Path, new: Taught, reindex: Callable[[], BuildReport]) -> BuildReport:
    """Add a taught question to the corpus folder's file, then call `reindex`; undo it if the quote anchors no
    passage or the reindex fails.

    Raises BadTaught (nothing changed), NotWritten, or whatever reindex raised (the file restored either way).
    """
    with corpus_lock(corpus_dir):
        before = read_taught(corpus_dir)
        return _rewrite(corpus_dir, before, add(before, new), reindex, new)


def untaught(corpus_dir: Path, taught_id: str, reindex: Callable[[], BuildReport]) -> tuple[Taught, BuildReport]:
    """Take a taught question out of the corpus folder's file, then call `reindex`; put it back if that fails.

    Raises TaughtNotFound if no taught question has that id.
    """
    with corpus_lock(corpus_dir):
        before = read_taught(corpus_dir)
        after, removed = remove(before, taught_id)
        return removed, _rewrite(corpus_dir, before, after, reindex)


def _rewrite(corpus_dir: Path, before: list[Taught], after: list[Taught], reindex, new: Taught | None = None):
    """Write the taught questions `after` and reindex; write `before` back if the reindex fails or does not
    anchor `new`."""
    write_taught(corpus_dir, after)
    try:
        report = reindex()
        if new is not None and new.answered and any(t.id == new.id for t in report.unanchored):
            raise BadTaught(f"no passage of '{new.source}' holds the quote {new.quote!r}; quote a few exact words "
                            "of the answer from that document (`assistant ask --json` shows passage ids to teach "
                            "with instead)")
        return report
    except BaseException:
        write_taught(corpus_dir, before)
        if new is not None:
            reindex()  # the index of the restored file: the rejected question must not keep serving
        raise


def edit(corpus_dir: Path, taught_id: str, new: Taught, reindex: Callable[[], BuildReport]) -> BuildReport:
    """Replace the taught question of that id by `new`, then call `reindex`; undo it as teach() does.

    Raises TaughtNotFound, BadTaught (nothing changed), or whatever reindex raised.
    """
    with corpus_lock(corpus_dir):
        before = read_taught(corpus_dir)
        after, _ = remove(before, taught_id)
        return _rewrite(corpus_dir, before, add(after, new), reindex, new)
