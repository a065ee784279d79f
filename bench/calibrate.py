"""Calibrate the confidence thresholds: print where answerable and out-of-scope questions fall.

For each question of the given sets, the cosine between the question and the best
passage's best sentence (what answer.decide_confidence reads). A logistic curve
P(answerable | cosine) is fitted to all of them, each class weighted equally; the
suggested NO_MATCH is where P = 0.5 and HIGH_CONFIDENCE where P = 0.9.

    .venv/bin/python bench/calibrate.py ../shared/eval/*.jsonl tests/questions.jsonl tests/out-of-scope.jsonl
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from assistant import index as index_module
from assistant.answer import check_question, rank
from assistant.config import bundled_dir
from assistant.evaluate import load_questions


def best_cosine(index, item: dict) -> float:
    """Return the cosine of the best passage's best sentence for a question of a set."""
    question, history, _ = check_question(item["question"], item.get("history") or [])
    ranking = rank(index, question, history, 1)
    return ranking.best_sentences[ranking.passages[0]][1]


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 50) -> tuple[float, float]:
    """Return (a, b) of P(y=1|x) = 1 / (1 + exp(-(a + b x))), each class weighted equally (Newton's method)."""
    weight = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    features = np.column_stack([np.ones_like(x), x])
    theta = np.zeros(2)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-features @ theta))
        gradient = features.T @ (weight * (y - p))
        hessian = (features * (weight * p * (1 - p))[:, None]).T @ features + 1e-9 * np.eye(2)
        theta += np.linalg.solve(hessian, gradient)
    return float(theta[0]), float(theta[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="question files (JSON Lines); urgent questions are left out")
    args = parser.parse_args()
    index = index_module.build(bundled_dir("corpus"))[0]
    if not index.semantic:
        sys.exit("calibrate: the semantic half is off (ASSISTANT_SEMANTIC=false); there is nothing to calibrate")
    cosines, labels = [], []
    for path in args.sets:
        for item in load_questions(path):
            if item["expect"] != "urgent":
                cosines.append(best_cosine(index, item))
                labels.append(1 if item["expect"] == "answer" else 0)
    x, y = np.array(cosines), np.array(labels)
    for name, values in (("answerable", x[y == 1]), ("out of scope", x[y == 0])):
        quantiles = np.quantile(values, [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1])
        print(f"{name:13} n={len(values):3}  min/5%/25%/50%/75%/95%/max: " + " ".join(f"{q:.3f}" for q in quantiles))
    a, b = fit_logistic(x, y)
    no_match, high = -a / b, (np.log(9) - a) / b
    print(f"fitted P(answerable) = 1 / (1 + exp(-({a:.2f} + {b:.2f} * cosine)))")
    print(f"suggested NO_MATCH = {no_match:.3f} (P = 0.5), HIGH_CONFIDENCE = {high:.3f} (P = 0.9)")
    for threshold in (no_match,):
        refused = (x[y == 1] < threshold).mean()
        kept_out = (x[y == 0] < threshold).mean()
        print(f"at NO_MATCH: answerable refused {refused:.1%}, out-of-scope rejected {kept_out:.1%}")
    print(f"at HIGH_CONFIDENCE: answerable marked low {(x[y == 1] < high).mean():.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
