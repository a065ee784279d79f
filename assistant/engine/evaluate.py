"""Score the engine on a question file: hit@1, hit@3, MRR, refusals, out-of-scope accuracy, red flags."""
from __future__ import annotations

import re
from pathlib import Path

from ..config import MAX_TOP_K
from ..errors import BadQuestionFile
from .answer import answer
from .files import json_lines
from .index import Index

EXPECTS = {"answer", "none", "urgent"}


def normalise(text: str) -> str:
    """Lowercase and drop every non-alphanumeric character, as evidence is compared."""
    return re.sub(r"[\W_]+", "", text.lower())


def load_questions(path: Path) -> list[dict]:
    """Read a question file: one JSON object a line with question, expect and evidence.

    Raises BadQuestionFile naming the line that is wrong.
    """
    questions = []
    for where, item in json_lines(path, BadQuestionFile, "questions file"):
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or item.get("expect") not in EXPECTS:
            raise BadQuestionFile(f"{where}: needs a \"question\" string and \"expect\" of answer, none or urgent")
        questions.append(item)
    if not questions:
        raise BadQuestionFile(f"questions file '{path}' holds no question")
    return questions


def evaluate(index: Index, questions: list[dict]) -> dict:
    """Ask every question and return the figures and the misses."""
    ranks, refused, none_right, urgent_right, false_alarms, misses = [], [], [], [], 0, []
    answer_holds = []  # of the answerable questions answered: does the answer sentence hold the evidence?
    for item in questions:
        result = answer(index, item["question"], item.get("history") or [], top_k=MAX_TOP_K)
        expect = item["expect"]
        if expect == "urgent":
            urgent_right.append(result["urgent"])
        elif result["urgent"]:
            false_alarms += 1
            misses.append(_miss(item, result, "false alarm: flagged urgent"))
        if expect == "none":
            none_right.append(not result["found"])
            if result["found"]:
                misses.append(_miss(item, result, "answered an out-of-scope question"))
        elif expect == "urgent" and not result["urgent"]:
            misses.append(_miss(item, result, "red flag missed"))
        elif expect == "answer":
            rank = evidence_rank(result, item.get("evidence") or [])
            ranks.append(rank)
            refused.append(not result["found"])
            if result["found"] and not result["urgent"]:
                answer_holds.append(holds_evidence(result["answer"], item.get("evidence") or []))
            if not result["found"]:
                misses.append(_miss(item, result, "refused an answerable question"))
            elif rank != 1:
                misses.append(_miss(item, result, f"evidence at rank {rank}" if rank else "no passage has the evidence"))
    return {
        "questions": len(questions),
        "answerable": len(ranks),
        "hit@1": _share([r == 1 for r in ranks]),
        "hit@3": _share([0 < r <= 3 for r in ranks]),
        "mrr": _share([1 / r if r else 0.0 for r in ranks]),
        "refused": _share(refused),
        "answer_sentence_holds_evidence": _share(answer_holds),
        "out_of_scope": len(none_right),
        "out_of_scope_accuracy": _share(none_right),
        "red_flags": len(urgent_right),
        "red_flag_recall": _share(urgent_right),
        "false_alarms": false_alarms,
        "misses": misses,
    }


def evidence_rank(result: dict, evidence: list[str]) -> int:
    """Return the rank (1-based) of the first passage holding any evidence phrase, 0 if none does."""
    phrases = [normalise(e) for e in evidence if normalise(e)]
    for rank, passage in enumerate(result["passages"], 1):
        text = normalise(passage["text"])
        if any(phrase in text for phrase in phrases):
            return rank
    return 0


def holds_evidence(sentence: str, evidence: list[str]) -> bool:
    """Tell whether an answer sentence holds an evidence phrase (or lies within one that spans sentences)."""
    said = normalise(sentence)
    return bool(said) and any(phrase and (phrase in said or said in phrase) for phrase in map(normalise, evidence))


def _share(values: list) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _miss(item: dict, result: dict, why: str) -> dict:
    top = result["passages"][0]["text"][:100] if result["passages"] else "(no match)"
    return {"id": item.get("id", ""), "question": item["question"], "why": why, "top": top}
