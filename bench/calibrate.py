"""Calibrate the gate: fit how likely the articles answer a question, from four signals, cross-validated by set.

For each question (urgent ones left out): the best taught question's cosine with it (printed, not used), the
cosine of the best passage's best sentence (a passage's taught questions count as its sentences), the share of
its terms the articles use at all, the share of its words (weighted by rarity) that neither the articles nor the
taught questions use, and how much closer it is to a question taught as not answered than to the best taught
question or sentence (what answer.decide_confidence reads). A question of a taught set is read with only the
*other* sets taught (its own wording is in the taught file); a question of any other set with all of them
taught. A logistic curve P(answerable) is fitted, each class weighted equally, and again without the
not-answered signal for an index that has none; answer.CURVES takes their constants (--untaught: the two curves
for an index with no answered question taught). Printed too: the figures cross-validated by set (the curve
fitted on the other sets, each set in turn), the point where 5% of the answerable questions are refused,
--ablation the figures without each signal in turn, and --plot draws refused vs rejected, one curve per set.

    .venv/bin/python bench/calibrate.py --taught ../shared/eval/*.jsonl tests/questions.jsonl \
        tests/questions-heldout.jsonl tests/questions-fresh.jsonl tests/questions-fresh2.jsonl \
        tests/questions-teach.jsonl tests/questions-teach2.jsonl tests/out-of-scope.jsonl tests/out-of-scope-2.jsonl \
        --plot docs/gate.png
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from assistant.engine.answer import FOUND_PROBABILITY, HIGH_PROBABILITY, check_question, rank
from assistant.engine.evaluate import load_questions

sys.path.insert(0, str(Path(__file__).parent))
from taught import Corpus  # noqa: E402 - bench/taught.py: the corpus indexed with any taught questions

REFUSED_TARGET = 0.05  # the share of answerable questions the gate may refuse: FOUND_PROBABILITY is set for it
SIGNALS = ("best taught question's cosine", "best sentence's cosine", "share of known terms",
           "share of unfamiliar words", "not-answered closeness margin")
SHORT_NAMES = ("taught", "cosine", "known", "unfamiliar", "not answered")


def signals(index, item: dict) -> tuple[float, float, float, float, float]:
    """Return the gate's signals for a question of a set."""
    question, history, _ = check_question(item["question"], item.get("history") or [])
    ranking = rank(index, question, history, 1)
    return ranking.taught, ranking.cosine, ranking.known, ranking.unfamiliar, ranking.not_answered


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 50) -> np.ndarray:
    """Return theta of P(y=1|x) = 1 / (1 + exp(-(theta[0] + x @ theta[1:]))), each class weighted equally
    (Newton's method, a little ridge so separable data stays finite; x has one column per signal)."""
    weight = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    features = np.column_stack([np.ones(len(x)), x])
    theta = np.zeros(features.shape[1])
    ridge = 1e-3 * np.diag([0.0] + [1.0] * x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-features @ theta))
        gradient = features.T @ (weight * (y - p)) - ridge @ theta
        hessian = (features * (weight * p * (1 - p))[:, None]).T @ features + ridge + 1e-9 * np.eye(len(theta))
        theta += np.linalg.solve(hessian, gradient)
    return theta


def probability(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(theta[0] + x @ theta[1:])))


def read_sets(taught_paths: list[Path], other_paths: list[Path], teach: bool = True
              ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return each set's signals and labels (1: answerable, 0: out of scope), read as described above (with
    nothing taught at all unless `teach`)."""
    taught_sets = {path.stem: load_questions(path) for path in taught_paths}
    corpus, rows = Corpus(), {}
    corpus.prime(corpus.taught_from(taught_sets))
    for name, questions in {**taught_sets, **{path.stem: load_questions(path) for path in other_paths}}.items():
        others = corpus.taught_from({other: q for other, q in taught_sets.items() if other != name})
        index = corpus.index(others if teach else [t for t in others if not t.answered])
        kept = [item for item in questions if item["expect"] != "urgent"]
        rows[name] = (np.array([signals(index, item) for item in kept]).reshape(-1, len(SIGNALS)),
                      np.array([1 if item["expect"] == "answer" else 0 for item in kept]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taught", nargs="+", type=Path, required=True, help="the sets that seed the taught file")
    parser.add_argument("--other", nargs="*", type=Path, default=[], help="sets never taught (out-of-scope ones)")
    parser.add_argument("--plot", type=Path, help="draw refused vs rejected, one curve per set, into this PNG")
    parser.add_argument("--untaught", action="store_true",
                        help="fit the curves for an index with no answered question taught (CURVES[False, ...]) "
                             "instead: only the questions taught as not answered are taught")
    parser.add_argument("--ablation", action="store_true",
                        help="print refused / rejected by set with every signal, then without each in turn")
    parser.add_argument("--signals", type=Path, help="keep each set's signals in this .npz (read back if it exists)")
    args = parser.parse_args()
    if args.signals and args.signals.exists():
        with np.load(args.signals) as saved:
            sets = {name[2:]: (saved[name], saved["y_" + name[2:]]) for name in saved.files if name.startswith("x_")}
    else:
        sets = read_sets(args.taught, args.other, teach=not args.untaught)
        if args.signals:
            np.savez(args.signals, **{f"x_{n}": x for n, (x, _) in sets.items()},
                     **{f"y_{n}": y for n, (_, y) in sets.items()})
    y = np.concatenate([ys for _, ys in sets.values()])
    # The taught question's cosine is printed, not used: the best sentence's cosine already counts a passage's
    # taught questions as its sentences, and the curve does as well or better without it on every set
    # (--ablation). An index with no question taught as not answered has no such signal.
    taught = not args.untaught
    curves = [(f"CURVES[{taught}, True]", [1, 2, 3, 4]), (f"CURVES[{taught}, False]", [1, 2, 3])]
    x = np.concatenate([xs for xs, _ in sets.values()])
    for column in curves[0][1]:
        for name, values in (("answerable", x[y == 1, column]), ("out of scope", x[y == 0, column])):
            quantiles = np.quantile(values, [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1])
            print(f"{SIGNALS[column]:30} {name:13} n={len(values):4}  min/5%/25%/50%/75%/95%/max: "
                  + " ".join(f"{q:.3f}" for q in quantiles))
    if args.ablation:
        ablation(sets, y, curves[0][1], unused=[0])
        return 0
    for number, (name, columns) in enumerate(curves):
        held_out = fit_and_report(name, {n: (xs[:, columns], ys) for n, (xs, ys) in sets.items()}, columns,
                                  per_set=number == 0)
        if args.plot and number == 0:
            plot(sets, held_out, args.plot)
    return 0


def cross_validated(sets: dict, columns: list[int]) -> dict[str, np.ndarray]:
    """Return each set's probabilities from the curve fitted on the other sets, on these signals only."""
    held_out = {}
    for held, (xs, _) in sets.items():
        rest = [other for other in sets if other != held]
        theta = fit_logistic(np.concatenate([sets[o][0][:, columns] for o in rest]),
                             np.concatenate([sets[o][1] for o in rest]))
        held_out[held] = probability(theta, xs[:, columns])
    return held_out


def ablation(sets: dict, y: np.ndarray, columns: list[int], unused: list[int]) -> None:
    """Print the gate cross-validated by set with its signals, without each in turn, and with each unused one
    added: refused and rejected at FOUND_PROBABILITY, per set with both kinds of question and over all of them."""
    mixed = [name for name, (_, ys) in sets.items() if (ys == 1).any() and (ys == 0).any()]
    print("| signals | " + " | ".join(mixed) + " | all |")
    print("|---" * (len(mixed) + 2) + "|")
    variants = [("the gate's", columns)] + [(f"without {SHORT_NAMES[c]}", [k for k in columns if k != c])
                                          for c in columns] + [(f"with {SHORT_NAMES[c]}", [c, *columns]) for c in unused]
    for label, kept in variants:
        held_out = cross_validated(sets, kept)
        cells = []
        for name in [*mixed, None]:
            p = held_out[name] if name else np.concatenate(list(held_out.values()))
            ys = sets[name][1] if name else y
            refused, rejected = (p[ys == 1] < FOUND_PROBABILITY).mean(), (p[ys == 0] < FOUND_PROBABILITY).mean()
            cells.append(f"{refused:.1%} / {rejected:.1%}")
        print(f"| {label} | " + " | ".join(cells) + " |")


def fit_and_report(name: str, sets: dict, columns: list[int], per_set: bool) -> dict[str, np.ndarray]:
    """Fit the curve on every set and print it; print the figures cross-validated by set (each set scored by the
    curve fitted on the others); return those cross-validated probabilities."""
    held_out = cross_validated(sets, list(range(len(columns))))
    x, y = np.concatenate([xs for xs, _ in sets.values()]), np.concatenate([ys for _, ys in sets.values()])
    theta = fit_logistic(x, y)
    print(f"\n{name} = ({', '.join(f'{t:.2f}' for t in theta)})  # intercept, "
          + ", ".join(SHORT_NAMES[c] for c in columns))
    print("Cross-validated by set (each set scored by the curve fitted on the others):")
    for held, (_, ys) in sets.items() if per_set else ():
        p = held_out[held]
        refused = f"{(p[ys == 1] < FOUND_PROBABILITY).sum()}/{(ys == 1).sum()}" if (ys == 1).any() else "-"
        rejected = f"{(p[ys == 0] < FOUND_PROBABILITY).sum()}/{(ys == 0).sum()}" if (ys == 0).any() else "-"
        low = ((p[ys == 1] >= FOUND_PROBABILITY) & (p[ys == 1] < HIGH_PROBABILITY)).sum()
        print(f"  {held:24} answerable refused {refused:>8}  out of scope rejected {rejected:>7}  low confidence {low}")
    p = np.concatenate(list(held_out.values()))
    print(f"  {'all':24} answerable refused {(p[y == 1] < FOUND_PROBABILITY).mean():.1%}, out of scope rejected "
          f"{(p[y == 0] < FOUND_PROBABILITY).mean():.1%} (FOUND_PROBABILITY = {FOUND_PROBABILITY})")
    print(f"  FOUND_PROBABILITY = {np.quantile(p[y == 1], REFUSED_TARGET):.2f} refuses {REFUSED_TARGET:.0%} of the "
          "answerable questions")
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6):
        print(f"  at P < {threshold}: answerable refused {(p[y == 1] < threshold).mean():.1%}, out of scope rejected "
              f"{(p[y == 0] < threshold).mean():.1%}")
    return held_out


def plot(sets, held_out, path: Path) -> None:
    """Draw, for thresholds from 0 to 1, the share of answerable questions refused against the share of
    out-of-scope ones rejected (the answerable sets' curves use all out-of-scope questions)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_p = np.concatenate([held_out[n][ys == 0] for n, (_, ys) in sets.items()])
    thresholds = np.linspace(0, 1, 201)
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for name, (_, ys) in sets.items():
        if (ys == 1).sum() < 20:
            continue
        answer_p = held_out[name][ys == 1]
        refused = [(answer_p < t).mean() for t in thresholds]
        rejected = [(out_p < t).mean() for t in thresholds]
        axes.plot(refused, rejected, label=name)
    axes.axvline(0.05, color="grey", linestyle=":")
    axes.axhline(0.85, color="grey", linestyle=":")
    axes.set_xlabel("answerable questions refused")
    axes.set_ylabel("out-of-scope questions rejected")
    axes.set_xlim(0, 0.3)
    axes.set_ylim(0.5, 1.0)
    axes.set_title("The gate, cross-validated by set (bench/calibrate.py)")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"plot written to {path}")


if __name__ == "__main__":
    sys.exit(main())
