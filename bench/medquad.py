"""Read MedQuAD: one document per distinct answer, and a fixed-seed sample of its questions.

Two answers whose texts are the same once whitespace and case are ignored are one answer.
Some question texts were asked of several answers ("What is (are) Kaposi Sarcoma ?" has
two, from two websites); any of them counts as the question's own answer.
"""
from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Answer:
    """One distinct answer text: a document for every engine, titled by its question's focus."""

    text: str
    title: str


@dataclass(frozen=True)
class Question:
    """A distinct question text and the ids of the answers it was asked of."""

    text: str
    answers: frozenset[int]


def normalise(text: str) -> str:
    """Return text lowercased with its whitespace collapsed: the key for "the same answer"."""
    return " ".join(text.split()).lower()


def load(path: Path) -> tuple[list[Answer], list[Question]]:
    """Return the distinct answers (file order) and the distinct questions with their answer ids.

    Raises SystemExit saying how to get the file when it is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"MedQuAD file '{path}' does not exist; pass --medquad PATH (a medquad.jsonl)")
    answer_ids: dict[str, int] = {}
    answers: list[Answer] = []
    asked: dict[str, set[int]] = {}
    question_text: dict[str, str] = {}
    with path.open(encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            row = json.loads(line)
            key = normalise(row["answer"])
            if key not in answer_ids:
                answer_ids[key] = len(answers)
                answers.append(Answer(row["answer"], row["focus"]))
            question = normalise(row["question"])
            question_text.setdefault(question, " ".join(row["question"].split()))
            asked.setdefault(question, set()).add(answer_ids[key])
    questions = [Question(question_text[q], frozenset(ids)) for q, ids in asked.items()]
    return answers, questions


def sample(questions: list[Question], n: int, seed: int) -> list[Question]:
    """Return n questions drawn without replacement with a fixed seed (all of them if n is larger)."""
    return random.Random(seed).sample(questions, min(n, len(questions)))


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(answers: list[Answer], shortest: int = 40, longest: int = 300) -> list[str]:
    """Return the answers' sentences of a passage-friendly length (a plain split at . ! ? before a capital)."""
    found = []
    for answer in answers:
        for sentence in SENTENCE_END.split(" ".join(answer.text.split())):
            if shortest <= len(sentence) <= longest and sentence[-1] in ".!?":
                found.append(sentence)
    return found


def evaluate(engine_name: str, path: Path, questions: int, seed: int, warmup: int = 3) -> dict:
    """Build one engine over every answer, ask the sampled questions, and return its figures.

    Runs in a subprocess of its own (measure.isolated), so its peak memory is its own.
    """
    from baselines import ENGINES
    from measure import percentiles_ms, ranking_figures, rss_mb, time_queries

    answers, all_questions = load(path)
    asked = sample(all_questions, questions, seed)
    engine = ENGINES[engine_name]()
    before = rss_mb()
    started = time.perf_counter()
    stages = engine.build([a.text for a in answers], [a.title for a in answers])
    build_s = time.perf_counter() - started
    for question in asked[:warmup]:
        engine.search(question.text)
    ranked, durations = time_queries(engine.search, [q.text for q in asked])
    result = {"engine": engine_name, "documents": len(answers), "units": engine.units, "build_s": build_s,
              "stages": stages, "rss_before_mb": before, **ranking_figures(ranked, [q.answers for q in asked])}
    result["p50_ms"], result["p99_ms"] = percentiles_ms(durations)
    if hasattr(engine, "answer"):
        _, durations = time_queries(engine.answer, [q.text for q in asked])
        result["answer_p50_ms"], result["answer_p99_ms"] = percentiles_ms(durations)
    return result
