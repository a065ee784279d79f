"""Cost against corpus size: documents of about one passage each, made of sampled MedQuAD sentences.

Every engine indexes the same N documents (ours cuts them into about N passages; the
table shows how many), then answers sampled MedQuAD questions. Answer quality is not
measured here: the documents are shuffled sentences.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

# A document grows sentence by sentence until it is this long: under the chunker's
# passage target (300 characters), so each document is one passage.
DOCUMENT_CHARS = 250


def documents(sentences: list[str], size: int, seed: int) -> list[str]:
    """Return `size` documents of randomly drawn sentences, about DOCUMENT_CHARS characters each."""
    rng = random.Random(seed)
    made = []
    for _ in range(size):
        parts, length = [], 0
        while length < DOCUMENT_CHARS:
            parts.append(rng.choice(sentences))
            length += len(parts[-1]) + 1
        made.append(" ".join(parts))
    return made


def measure_size(engine_name: str, path: Path, size: int, seed: int, questions: int, budget: float,
                 warmup: int = 3) -> dict:
    """Build one engine over `size` documents, time up to `questions` questions (stopping after
    `budget` seconds of querying), and return its figures. Runs in a subprocess of its own."""
    from baselines import ENGINES
    from measure import percentiles_ms, rss_mb, time_queries
    from medquad import load, sample, sentences

    answers, all_questions = load(path)
    texts = documents(sentences(answers), size, seed)
    asked = [q.text for q in sample(all_questions, questions, seed)]
    del answers, all_questions
    engine = ENGINES[engine_name]()
    before = rss_mb()
    started = time.perf_counter()
    stages = engine.build(texts, [""] * len(texts))
    build_s = time.perf_counter() - started
    for question in asked[:warmup]:
        engine.search(question)
    _, durations = time_queries(engine.search, asked, budget=budget)
    result = {"engine": engine_name, "size": size, "units": engine.units, "build_s": build_s, "stages": stages,
              "rss_before_mb": before, "queries": len(durations)}
    result["p50_ms"], result["p99_ms"] = percentiles_ms(durations)
    if hasattr(engine, "answer"):
        _, durations = time_queries(engine.answer, asked[:len(durations)], budget=budget)
        result["answer_p50_ms"], result["answer_p99_ms"] = percentiles_ms(durations)
    return result
