"""Calibrate confidence: fit how likely the articles answer a question, from two signals.

For each question of the given sets: the cosine between the question and the best
passage's best sentence, and the share of the question's terms the articles use at all
(what answer.decide_confidence reads). A logistic curve P(answerable | both) is fitted to
all of them, each class weighted equally; answer.py takes its three constants. Printed
too: each signal's spread, and 5-fold cross-validated refusals and rejections, so the
figures are not those of the questions the curve was fitted on.

    .venv/bin/python bench/calibrate.py ../shared/eval/*.jsonl tests/questions.jsonl tests/out-of-scope.jsonl
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from assistant.config import bundled_dir
from assistant.engine import index as index_module
from assistant.engine.answer import FOUND_PROBABILITY, HIGH_PROBABILITY, check_question, rank
from assistant.engine.evaluate import load_questions


def signals(index, item: dict) -> tuple[float, float]:
    """Return (best sentence's cosine, share of known terms) for a question of a set."""
    question, history, _ = check_question(item["question"], item.get("history") or [])
    ranking = rank(index, question, history, 1)
    return ranking.cosine, ranking.known


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 50) -> np.ndarray:
    """Return theta of P(y=1|x) = 1 / (1 + exp(-(theta[0] + x @ theta[1:]))), each class weighted equally
    (Newton's method; x has one column per signal)."""
    weight = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    features = np.column_stack([np.ones(len(x)), x])
    theta = np.zeros(features.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-features @ theta))
        gradient = features.T @ (weight * (y - p))
        hessian = (features * (weight * p * (1 - p))[:, None]).T @ features + 1e-9 * np.eye(len(theta))
        theta += np.linalg.solve(hessian, gradient)
    return theta


def probability(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(theta[0] + x @ theta[1:])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="question files (JSON Lines); urgent questions are left out")
    args = parser.parse_args()
    index = index_module.build(bundled_dir("corpus"))[0]
    if not index.semantic:
        sys.exit("calibrate: the semantic half is off (ASSISTANT_SEMANTIC=false); there is nothing to calibrate")
    rows, labels = [], []
    for path in args.sets:
        for item in load_questions(path):
            if item["expect"] != "urgent":
                rows.append(signals(index, item))
                labels.append(1 if item["expect"] == "answer" else 0)
    x, y = np.array(rows), np.array(labels)
    for column, signal in enumerate(("best sentence's cosine", "share of known terms")):
        for name, values in (("answerable", x[y == 1, column]), ("out of scope", x[y == 0, column])):
            quantiles = np.quantile(values, [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1])
            print(f"{signal:22} {name:13} n={len(values):3}  min/5%/25%/50%/75%/95%/max: "
                  + " ".join(f"{q:.3f}" for q in quantiles))
    folds = np.random.default_rng(0).integers(0, 5, len(y))
    held_out = np.zeros(len(y))
    for fold in range(5):
        held_out[folds == fold] = probability(fit_logistic(x[folds != fold], y[folds != fold]), x[folds == fold])
    theta = fit_logistic(x, y)
    print(f"\nCONFIDENCE_INTERCEPT, CONFIDENCE_COSINE, CONFIDENCE_KNOWN = {theta[0]:.2f}, {theta[1]:.2f}, {theta[2]:.2f}")
    for name, p in (("5-fold cross-validated", held_out), ("fitted on all", probability(theta, x))):
        refused, rejected = (p[y == 1] < FOUND_PROBABILITY).mean(), (p[y == 0] < FOUND_PROBABILITY).mean()
        low = ((p[y == 1] >= FOUND_PROBABILITY) & (p[y == 1] < HIGH_PROBABILITY)).mean()
        print(f"{name}: answerable refused {refused:.1%}, out-of-scope rejected {rejected:.1%}, "
              f"answerable with low confidence {low:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
