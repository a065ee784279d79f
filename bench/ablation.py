"""Ablation: each ranking signal turned off in turn, scored on every question set given.

A signal earns its place by helping on every set. Prints a Markdown table (hit@1 / hit@3).

    .venv/bin/python bench/ablation.py ../shared/eval/iliopsoas-dev.jsonl ../shared/eval/iliopsoas-dev2.jsonl \
        tests/questions.jsonl
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

from assistant import answer, index as index_module
from assistant.config import bundled_dir
from assistant.evaluate import evaluate, load_questions
from assistant.text import Tokenizer


def _no_passage_vectors(index):
    """The semantic score from the best sentence alone: every passage's own vector scores 0."""
    index.passage_vectors = np.zeros_like(index.passage_vectors)


def _no_sentence_vectors(index):
    """The semantic score from the passage as a whole alone: every sentence scores 0."""
    index.sentence_vectors = np.zeros_like(index.sentence_vectors)


# name -> (what to patch while building and answering, what to change in the built index)
VARIANTS = {
    "hybrid (all signals)": ([], None),
    "without the semantic half (BM25 only)": ([mock.patch.object(answer, "BM25_WEIGHT", 1.0)], None),
    "without BM25 (semantic only)": ([mock.patch.object(answer, "BM25_WEIGHT", 0.0)], None),
    "without the passage as a whole": ([], _no_passage_vectors),
    # The confidence gate reads the best sentence's cosine: off here, or every answer would be refused.
    "without the best sentence": ([mock.patch.object(answer, "NO_MATCH", -1.0)], _no_sentence_vectors),
    "without context (follow-ups, stories)": ([mock.patch.object(answer, "CONTEXT_WEIGHT", 0.0)], None),
    "without synonyms.toml": ([mock.patch.object(index_module, "read_synonyms", lambda corpus_dir: {})], None),
    "without spelling correction": ([mock.patch.object(Tokenizer, "correct", lambda self, word: word)], None),
    "without word splitting": ([mock.patch.object(Tokenizer, "split", lambda self, word: None)], None),
}


@contextmanager
def patched(patches):
    """Apply every patch of a variant for the duration of the block."""
    for patch in patches:
        patch.start()
    try:
        yield
    finally:
        for patch in reversed(patches):
            patch.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="question files (JSON Lines)")
    args = parser.parse_args()
    sets = {path.stem: load_questions(path) for path in args.sets}
    print("| variant | " + " | ".join(f"{name} hit@1 / hit@3" for name in sets) + " |")
    print("|---|" + "---|" * len(sets))
    for name, (patches, change) in VARIANTS.items():
        with patched(patches):
            index = index_module.build(bundled_dir("corpus"))[0]
            if change:
                change(index)
            cells = []
            for questions in sets.values():
                figures = evaluate(index, questions)
                cells.append(f"{figures['hit@1']:.3f} / {figures['hit@3']:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
