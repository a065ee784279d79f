"""Taught questions, measured honestly: each taught set is scored with only the other sets taught.

For every set given with --taught, the bundled corpus is indexed with the answerable questions of all the
other taught sets as taught questions (the set itself left out), and the set is scored; every --kept-out set
is scored with all the taught sets taught. Prints hit@1 / hit@3 / refused / out-of-scope rejected, with the
confidence gate on and off, and the same without any taught question.

    .venv/bin/python bench/taught.py --taught ../shared/eval/*.jsonl tests/questions.jsonl \
        tests/questions-heldout.jsonl tests/questions-fresh.jsonl tests/questions-fresh2.jsonl \
        tests/questions-teach.jsonl --kept-out tests/questions-fresh3.jsonl tests/questions-fresh4.jsonl \
        tests/out-of-scope.jsonl tests/out-of-scope-2.jsonl
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from unittest import mock

from assistant.config import bundled_dir
from assistant.engine import answer, index as index_module
from assistant.engine.corpus import load_corpus
from assistant.engine.evaluate import evaluate, load_questions
from assistant.engine.taught import from_question_set
from assistant.engine.text import read_synonyms


class Corpus:
    """The bundled corpus, indexed with any list of taught questions (vectors reused between builds)."""

    def __init__(self):
        corpus = bundled_dir("corpus")
        self.documents, self.synonyms = load_corpus(corpus), read_synonyms(corpus)
        self.previous = None

    def prime(self, taught) -> None:
        """Index once with every taught question there will be, so later builds reuse all their vectors."""
        self.previous = self.index(taught)

    def index(self, taught):
        built, _ = index_module.build_from_documents(self.documents, self.synonyms, self.previous, taught=taught)
        if self.previous is None:
            self.previous = built
        return built

    def taught_from(self, sets: dict[str, list[dict]]):
        taught = []
        for questions in sets.values():
            taught += from_question_set(questions, self.documents)[0]
        return taught


def figures(index, questions) -> str:
    """Return the set's figures with the gate on, then hit@1 / hit@3 with it off."""
    on = evaluate(index, questions)
    with mock.patch.object(answer, "FOUND_PROBABILITY", -1.0):
        off = evaluate(index, questions)
    cells = []
    if on["answerable"]:
        cells += [f"{on['hit@1']:.3f} / {on['hit@3']:.3f}",
                  f"{round(on['refused'] * on['answerable'])}/{on['answerable']}",
                  f"{off['hit@1']:.3f} / {off['hit@3']:.3f}"]
    else:
        cells += ["", "", ""]
    rejected = round(on["out_of_scope_accuracy"] * on["out_of_scope"])
    cells.append(f"{rejected}/{on['out_of_scope']}" if on["out_of_scope"] else "")
    caught = round(on["red_flag_recall"] * on["red_flags"])
    cells.append(f"{caught}/{on['red_flags']}" if on["red_flags"] else "")
    cells.append(str(on["false_alarms"]))
    cells.append(f"{on['answer_sentence_holds_evidence']:.3f}" if on["answerable"] else "")
    return " | ".join(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taught", nargs="+", type=Path, default=[], help="sets that seed the taught questions")
    parser.add_argument("--kept-out", nargs="+", type=Path, default=[], help="sets never taught")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rows without taught questions")
    args = parser.parse_args()
    taught_sets = {path.stem: load_questions(path) for path in args.taught}
    kept_out = {path.stem: load_questions(path) for path in args.kept_out}
    corpus = Corpus()
    corpus.prime(corpus.taught_from(taught_sets))
    print("| set | taught | hit@1 / hit@3 | refused | gate off: hit@1 / hit@3 | out of scope rejected | "
          "emergencies caught | false alarms | answer sentence holds the evidence |")
    print("|---|---|---|---|---|---|---|---|---|")
    baseline = None if args.no_baseline else corpus.index([])
    for name, questions in taught_sets.items():
        if baseline is not None:
            print(f"| {name} | nothing | {figures(baseline, questions)} |", flush=True)
        others = {other: q for other, q in taught_sets.items() if other != name}
        print(f"| {name} | the other sets | {figures(corpus.index(corpus.taught_from(others)), questions)} |",
              flush=True)
    everything = corpus.index(corpus.taught_from(taught_sets))
    for name, questions in kept_out.items():
        if baseline is not None:
            print(f"| {name} | nothing | {figures(baseline, questions)} |", flush=True)
        print(f"| {name} | all taught sets | {figures(everything, questions)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
