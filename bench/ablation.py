"""Ablation: each ranking signal turned off in turn, scored on every question set given.

A signal earns its place by helping on every set. A set given with --taught is scored with only the *other*
taught sets taught (its own wordings are in the taught file); a --kept-out set with all of them taught.
Prints a Markdown table (hit@1 / hit@3, the confidence gate on).

    .venv/bin/python bench/ablation.py --taught ../shared/eval/*.jsonl tests/questions.jsonl \
        tests/questions-heldout.jsonl tests/questions-fresh.jsonl tests/questions-fresh2.jsonl \
        tests/questions-teach.jsonl --kept-out tests/questions-fresh3.jsonl tests/questions-fresh4.jsonl
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from assistant.engine import answer, index as index_module, question
from assistant.engine.evaluate import evaluate, load_questions
from assistant.engine.text import Tokenizer

sys.path.insert(0, str(Path(__file__).parent))
from taught import Corpus  # noqa: E402 - bench/taught.py: the corpus indexed with any taught questions

# name -> what to patch while building and answering. The confidence gate stays on throughout.
VARIANTS = {
    "hybrid (all signals)": [],
    "without taught questions": [mock.patch.object(answer, "TAUGHT_AS_SENTENCE", False),
                                 mock.patch.object(answer, "TAUGHT_BONUS", 0.0)],
    "without the taught bonus": [mock.patch.object(answer, "TAUGHT_BONUS", 0.0)],
    "without taught questions as sentences": [mock.patch.object(answer, "TAUGHT_AS_SENTENCE", False)],
    "without the semantic half (BM25 only)": [mock.patch.object(answer, "BM25_WEIGHT", 1.0)],
    "without BM25 (semantic only)": [mock.patch.object(answer, "BM25_WEIGHT", 0.0)],
    "without the passage as a whole": [mock.patch.object(answer, "SENTENCE_SHARE", 1.0)],
    "without the best sentence (in ranking)": [mock.patch.object(answer, "SENTENCE_SHARE", 0.0)],
    "without context (follow-ups, stories)": [mock.patch.object(question, "CONTEXT_WEIGHT", 0.0)],
    "without the document title (in BM25)": [mock.patch.object(index_module, "document_title_words",
                                                               lambda document: [])],
    "without synonyms.toml": [mock.patch("taught.read_synonyms", lambda corpus_dir: {})],
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
    parser.add_argument("--taught", nargs="+", type=Path, default=[], help="sets that seed the taught questions")
    parser.add_argument("--kept-out", nargs="+", type=Path, default=[], help="sets never taught")
    parser.add_argument("--only", nargs="+", metavar="WORDS", default=[],
                        help="run only the variants whose name holds one of these words, e.g. --only taught")
    args = parser.parse_args()
    taught_sets = {path.stem: load_questions(path) for path in args.taught}
    kept_out = {path.stem: load_questions(path) for path in args.kept_out}
    names = [*taught_sets, *kept_out]
    print("| variant | " + " | ".join(f"{name} hit@1 / hit@3" for name in names) + " |")
    print("|---|" + "---|" * len(names))
    for variant, patches in VARIANTS.items():
        if args.only and not any(word in variant for word in args.only):
            continue
        with patched(patches):
            corpus = Corpus()
            corpus.prime(corpus.taught_from(taught_sets))
            cells = []
            for name in names:
                others = {other: q for other, q in taught_sets.items() if other != name}
                figures = evaluate(corpus.index(corpus.taught_from(others)), {**taught_sets, **kept_out}[name])
                cells.append(f"{figures['hit@1']:.3f} / {figures['hit@3']:.3f}")
        print(f"| {variant} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
