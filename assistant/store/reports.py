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
    """Return the most frequent questions that got no answer or a low-confidence one, similar ones grouped.

    Reading deletes nothing (as above). Raises StoreUnavailable when the database cannot be used.
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in store.unanswered(since_days):  # latest first
        groups[question_key(row["question"])].append(row)
    reports = []
    for asked in groups.values():
        variants = Counter(row["question"] for row in asked)
        not_found = sum(not row["found"] for row in asked)
        reports.append({
            "question": variants.most_common(1)[0][0], "latest": asked[0]["question"], "count": len(asked),
            "not_found": not_found, "low_confidence": len(asked) - not_found,
            "variants": [{"question": question, "count": count} for question, count in variants.most_common()],
            "last_asked": iso(asked[0]["asked_at"]),
        })
    reports.sort(key=lambda report: -report["count"])
    return {"since_days": since_days, "questions": reports[:limit]}


def iso(moment: datetime) -> str:
    """Return a stored UTC time as ISO 8601 with a Z."""
    return moment.replace(microsecond=0).isoformat() + "Z"
