"""Speed on the bundled articles: index build from nothing, and answer() latency in process.

    .venv/bin/python bench/bundled.py [QUESTIONS.jsonl ...]

Questions default to the dev sets and tests/questions.jsonl; each is asked once to warm
up, then every question is timed over several rounds. Set ASSISTANT_SEMANTIC=false for BM25 alone.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from assistant.config import bundled_dir, semantic_enabled
from assistant.engine import index as index_module
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
    durations = []
    for _ in range(args.rounds):
        for item in items:
            t = time.perf_counter()
            answer(index, item["question"], item.get("history") or [])
            durations.append(time.perf_counter() - t)
    durations.sort()
    p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
    mode = "hybrid" if index.semantic else "BM25 only"
    print(f"{mode}: {len(index.documents)} documents, {index.passage_count} passages; build from nothing {build_s:.2f} s")
    print(f"answer(): {len(durations)} timed, p50 {statistics.median(durations) * 1000:.2f} ms, "
          f"p99 {p99 * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
