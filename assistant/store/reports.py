"""What the recorded answers say: the answers rated down most often, and the questions the articles did not answer.

Both are grouped here rather than in SQL: the rows are few (one per rated answer, one
per unanswered question), and grouping by a JSON list or by our tokenizer's terms is
not something every database can do.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from ..engine.text import stem, stopwords, words
from .answers import Store


def question_key(question: str) -> str:
    """Return the form that similar questions share: their words stemmed, stopwords dropped, sorted, each once.

    "How do I stretch my psoas?" and "psoas stretches" share "psoa stretch".
    """
    kept = sorted({stem(word) for word in words(question) if word not in stopwords()})
    return " ".join(kept) or " ".join(words(question))  # a question of stopwords alone keeps its words


def feedback_report(store: Store, since_days: int | None = None, limit: int = 20) -> dict:
    """Return the answers rated down most often: each with its passages, its questions, its ratings and comments.

    Reading deletes nothing: the recording server purges old answers by its own retention.
    Raises StoreUnavailable when the database cannot be used.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in store.rated(since_days):  # latest first
        # The same passages (or the same fallback text) given to several questions are one answer.
        groups[(tuple(row["passage_ids"]), row["answer"])].append(row)
    reports = []
    for (passage_ids, text), rated in groups.items():
        ratings = Counter(row["rating"] for row in rated)
        if not ratings["down"]:
            continue
        questions = Counter((row["question"], tuple(row["history"])) for row in rated)
        reports.append({
            "answer": text, "passages": list(passage_ids),
            "found": rated[0]["found"], "confidence": rated[0]["confidence"], "urgent": rated[0]["urgent"],
            "down": ratings["down"], "up": ratings["up"],
            "questions": [{"question": question, "history": list(history), "count": count}
                          for (question, history), count in questions.most_common()],
            "comments": [row["comment"] for row in rated if row["comment"]],
            "last_rated": iso(rated[0]["rated_at"]),
        })
    reports.sort(key=lambda report: (-report["down"], report["up"]))  # stable: the latest first among equals
    return {"since_days": since_days, "answers": reports[:limit]}


def unanswered_report(store: Store, since_days: int | None = None, limit: int = 20) -> dict:
    """Return the most frequent questions that got no answer or a low-confidence one, similar ones grouped; and,
    apart, the urgent questions (a fall, a sudden weakness), which got the urgent-care advice and are never a
    gap for an article to fill.

    Reading deletes nothing (as above). Raises StoreUnavailable when the database cannot be used.
    """
    gaps, urgent = [], []
    for row in store.unanswered(since_days):  # latest first
        (urgent if row["urgent"] else gaps).append(row)
    questions = []
    for group, asked in grouped(gaps):
        not_found = sum(not row["found"] for row in asked)
        questions.append(group | {"not_found": not_found, "low_confidence": len(asked) - not_found})
    return {"since_days": since_days, "questions": questions[:limit],
            "urgent": {"count": len(urgent), "questions": [group for group, _ in grouped(urgent)][:limit]}}


def grouped(rows: list[dict]) -> list[tuple[dict, list[dict]]]:
    """Return the rows (latest first) grouped by question_key, the most frequent group first: each group's
    summary (its most frequent wording, count, wordings, last asked) with its rows."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[question_key(row["question"])].append(row)
    summaries = []
    for asked in groups.values():
        variants = Counter(row["question"] for row in asked)
        summaries.append(({
            "question": variants.most_common(1)[0][0], "latest": asked[0]["question"], "count": len(asked),
            "variants": [{"question": question, "count": count} for question, count in variants.most_common()],
            "last_asked": iso(asked[0]["asked_at"]),
        }, asked))
    summaries.sort(key=lambda summary: -summary[0]["count"])  # stable: the latest first among equals
    return summaries


def iso(moment: datetime) -> str:
    """Return a stored UTC time as ISO 8601 with a Z."""
    return moment.replace(microsecond=0).isoformat() + "Z"
