"""Speed on the bundled articles: index build from nothing, and answer() latency in process.

    .venv/bin/python bench/bundled.py [--red-flag-cost] [QUESTIONS.jsonl ...]

Questions default to the dev sets and tests/questions.jsonl; each is asked once to warm
up, then every question is timed over several rounds. Set ASSISTANT_SEMANTIC=false for BM25 alone.
--red-flag-cost times each question with and without red-flag detection, one after the other in the same
round, so the machine's noise falls on both alike.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

from assistant.config import bundled_dir, semantic_enabled
from assistant.engine import answer as answer_module, index as index_module
from assistant.engine.answer import answer
from assistant.engine.embeddings import embedder
from assistant.engine.evaluate import load_questions

HERE = Path(__file__).resolve().parent
DEFAULT_SETS = [HERE.parents[1] / "shared" / "eval" / "iliopsoas-dev.jsonl",
                HERE.parents[1] / "shared" / "eval" / "iliopsoas-dev2.jsonl", HERE.parent / "tests" / "questions.jsonl"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS, help="question files (JSON Lines)")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is timed (default 5)")
    parser.add_argument("--red-flag-cost", action="store_true",
                        help="also time each question with red-flag detection switched off, interleaved")
    args = parser.parse_args()
    items = [item for path in args.sets if path.is_file() for item in load_questions(path)]
    if not items:
        sys.exit("bundled: no question file found; pass one or more QUESTIONS.jsonl")
    started = time.perf_counter()
    if semantic_enabled():
        embedder()  # loading the model (hash check, onnxruntime session) is part of a build from nothing
    index, _ = index_module.build(bundled_dir("corpus"))
    build_s = time.perf_counter() - started
    for item in items:
        answer(index, item["question"], item.get("history") or [])
    durations, without = [], []
    for _ in range(args.rounds):
        for item in items:
            durations.append(timed(index, item))
            if args.red_flag_cost:
                with mock.patch.object(answer_module, "situations", lambda *_: []):
                    without.append(timed(index, item))
    mode = "hybrid" if index.semantic else "BM25 only"
    print(f"{mode}: {len(index.documents)} documents, {index.passage_count} passages; build from nothing {build_s:.2f} s")
    print(f"answer(): {len(durations)} timed, {percentiles(durations)}")
    if without:
        print(f"answer() without red-flag detection: {percentiles(without)}; red flags add "
              f"{(statistics.median(durations) - statistics.median(without)) * 1000:.2f} ms at p50")
    return 0


def timed(index, item: dict) -> float:
    """Return the seconds answer() takes over a question."""
    started = time.perf_counter()
    answer(index, item["question"], item.get("history") or [])
    return time.perf_counter() - started


def percentiles(durations: list[float]) -> str:
    ordered = sorted(durations)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
