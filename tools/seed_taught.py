"""Seed the bundled corpus's taught questions from question sets, as a clinic seeds them from its logs.

Each answerable question of the given sets is attached to the passages holding its evidence (the evidence
phrase, in the article's own words, is the quote); each out-of-scope one is taught as not answered. The kept-out
sets are refused: they stay an honest check.

    .venv/bin/python tools/seed_taught.py ../shared/eval/iliopsoas-dev.jsonl ../shared/eval/iliopsoas-dev2.jsonl \
        tests/questions.jsonl tests/questions-heldout.jsonl tests/questions-fresh.jsonl \
        tests/questions-fresh2.jsonl tests/questions-teach.jsonl tests/questions-teach2.jsonl tests/out-of-scope.jsonl \
        tests/out-of-scope-2.jsonl tests/questions-fresh4.jsonl tests/questions-fresh5.jsonl \
        tests/questions-fresh6.jsonl
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.config import bundled_dir
from assistant.engine import chunking
from assistant.engine.corpus import load_corpus
from assistant.engine.index import anchor
from assistant.engine.evaluate import load_questions
from assistant.engine.taught import from_question_set, write_taught

# Never taught: the sets that measure how the engine does on questions it has not been taught.
KEPT_OUT = {"questions-fresh3.jsonl", "questions-fresh7.jsonl", "questions-fresh8.jsonl", "questions-fresh9.jsonl",
            "questions-teach3.jsonl", "not-answered.jsonl", "out-of-scope-3.jsonl", "red-flags-final.jsonl",
            "red-flags-final2.jsonl", "red-flags-final3.jsonl", "red-flags-final4.jsonl", "red-flags-final5.jsonl",
            "red-flags-final6.jsonl", "red-flags-final7.jsonl", "red-flags-final8.jsonl", "questions-fresh10.jsonl",
            "questions-fresh11.jsonl", "questions-fresh12.jsonl", "out-of-scope-4.jsonl", "red-flags-final9.jsonl",
            "red-flags-final10.jsonl", "red-flags-final11.jsonl",
            "red-flags-final12.jsonl"}
TESTS = Path(__file__).resolve().parents[1] / "tests"


def kept_out_wordings() -> set[tuple[str, tuple[str, ...]]]:
    """Return the (question, history) of every kept-out question: a seed set may word one the same ("insertion?")."""
    return {(item["question"].strip(), tuple(h.strip() for h in item.get("history") or []))
            for name in KEPT_OUT if (TESTS / name).exists() for item in load_questions(TESTS / name)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="question files (JSON Lines) with evidence")
    parser.add_argument("--corpus", type=Path, default=bundled_dir("corpus"), help="corpus folder to write into")
    args = parser.parse_args()
    refused = [path.name for path in args.sets if path.name in KEPT_OUT]
    if refused:
        sys.exit(f"seed_taught: {', '.join(refused)} are kept out of the taught file for good; leave them out")
    documents = load_corpus(args.corpus)
    taught, unmatched = [], 0
    for path in args.sets:
        made, missed = from_question_set(load_questions(path), documents)
        taught += [t for t in made if t.id not in {k.id for k in taught}]
        unmatched += len(missed)
        for item in missed:
            print(f"{path.name}: no article holds the evidence of {item.get('id', '')} {item['question']!r}",
                  file=sys.stderr)
    passages = [(d, passage) for d, document in enumerate(documents) for passage in chunking.chunk(document)]
    anchored = {t for t, _, _ in anchor(documents, passages, taught)}
    across = len(taught) - len(anchored)  # evidence that runs from one passage into the next anchors none
    kept_out = kept_out_wordings()
    taught = [t for i, t in enumerate(taught) if (i in anchored or not t.answered)
              and (t.question, t.history) not in kept_out]
    write_taught(args.corpus, taught)
    not_answered = sum(not t.answered for t in taught)
    print(f"{len(taught)} taught questions written to {args.corpus / 'questions.jsonl'}, {not_answered} of them "
          f"taught as not answered ({unmatched} questions "
          f"whose evidence no article holds, {across} quotes left out that no single passage holds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
