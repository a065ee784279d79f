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

from assistant.config import bundled_dir
from assistant.engine import answer, index as index_module, question
from assistant.engine.evaluate import evaluate, load_questions
from assistant.engine.text import Tokenizer


# name -> what to patch while building and answering. The confidence gate stays on throughout.
VARIANTS = {
    "hybrid (all signals)": [],
    "without the semantic half (BM25 only)": [mock.patch.object(answer, "BM25_WEIGHT", 1.0)],
    "without BM25 (semantic only)": [mock.patch.object(answer, "BM25_WEIGHT", 0.0)],
    "without the passage as a whole": [mock.patch.object(answer, "SENTENCE_SHARE", 1.0)],
    "without the best sentence (in ranking)": [mock.patch.object(answer, "SENTENCE_SHARE", 0.0)],
    "without context (follow-ups, stories)": [mock.patch.object(question, "CONTEXT_WEIGHT", 0.0)],
    "without the document title (in BM25)": [mock.patch.object(index_module, "document_title_words",
                                                               lambda document: [])],
    "without synonyms.toml": [mock.patch.object(index_module, "read_synonyms", lambda corpus_dir: {})],
    "without spelling correction": [mock.patch.object(Tokenizer, "correct", lambda self, word: word)],
    "without word splitting": [mock.patch.object(Tokenizer, "split", lambda self, word: None)],
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
    for name, patches in VARIANTS.items():
        with patched(patches):
            index = index_module.build(bundled_dir("corpus"))[0]
            cells = []
            for questions in sets.values():
                figures = evaluate(index, questions)
                cells.append(f"{figures['hit@1']:.3f} / {figures['hit@3']:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
