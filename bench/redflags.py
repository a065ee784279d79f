"""Red flags on every set given: emergencies caught and false alarms, by the rules alone and with the semantic
second signal, and where the second signal's threshold must sit to raise no alarm on any of them.

    .venv/bin/python bench/redflags.py tests/red-flags-dev.jsonl ../shared/eval/*.jsonl tests/questions*.jsonl
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.config import bundled_dir
from assistant.engine import index as index_module, redflags
from assistant.engine.answer import check_question, rank
from assistant.engine.evaluate import load_questions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="question files (JSON Lines)")
    args = parser.parse_args()
    index = index_module.build(bundled_dir("corpus"))[0]
    print("| set | emergencies | caught by rules | caught with the second signal | false alarms (rules) | "
          "false alarms (with it) |")
    print("|---|---|---|---|---|---|")
    highest_harmless = 0.0
    for path in args.sets:
        caught = [0, 0]
        alarms = [0, 0]
        emergencies = 0
        for item in load_questions(path):
            question, history, _ = check_question(item["question"], item.get("history") or [])
            texts = [*history, question]
            vectors = rank(index, question, history, 1).vectors
            by_rules, with_it = redflags.situations(texts), redflags.situations(texts, vectors)
            urgent = item["expect"] == "urgent"
            emergencies += urgent
            for i, found in enumerate((by_rules, with_it)):
                caught[i] += urgent and bool(found)
                alarms[i] += (not urgent) and bool(found)
            if not urgent and not by_rules:  # how close a harmless question comes, for the threshold
                named = redflags._named(redflags.repaired(" ".join(texts)))
                close = [c for name, c in redflags.described(vectors).items() if named & redflags.SPECIFIC[name]]
                highest_harmless = max([highest_harmless, *close])
        print(f"| {path.stem} | {emergencies} | {caught[0]} | {caught[1]} | {alarms[0]} | {alarms[1]} |", flush=True)
    print(f"\nThe closest a harmless question with a specific finding came to a description: {highest_harmless:.3f} "
          f"(DESCRIBED_COSINE is {redflags.DESCRIBED_COSINE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
