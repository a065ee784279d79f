"""Answer quality on the question sets, as `assistant eval` measures it.

Regression floors a few points under what the engine measured when it was last changed
(README, "Quality"): they catch a change that breaks answering, they are not targets to fit.
"""
from pathlib import Path

import pytest

from assistant.config import bundled_dir
from assistant.engine import index as index_module
from assistant.engine.evaluate import evaluate, load_questions

# Each test answers a whole question set (about 10 s for the module): `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
HERE = Path(__file__).resolve().parent

# Sets that seed the bundled taught questions (scored here with themselves taught: a check that teaching
# works, not a measure; bench/taught.py scores each with only the others taught).
# set -> hit@1 and hit@3 floors, and a ceiling on answerable questions refused.
FLOORS = {
    SHARED / "iliopsoas-dev.jsonl": (0.72, 0.90, 0.03),
    SHARED / "iliopsoas-dev2.jsonl": (0.76, 0.86, 0.05),
    HERE / "questions.jsonl": (0.68, 0.84, 0.09),
    HERE / "questions-fresh4.jsonl": (0.95, 0.97, 0.02),
    HERE / "questions-fresh5.jsonl": (0.95, 0.97, 0.02),
    HERE / "questions-fresh6.jsonl": (0.95, 0.97, 0.02),
}


# Sets written apart (lay, terse, rambling, follow-ups, close-to-topic out-of-scope questions):
# set -> hit@1 and hit@3 floors, ceiling on refused, floor on out-of-scope rejected.
# The first three seed the taught questions; the others are kept out of them for good.
# Measured (kept out, 2026-11-30): fresh3 0.859 / 0.965 / 0.024 / 1.000; fresh7 0.840 / 0.931 / 0.008 / 0.755;
# teach3 0.748 / 0.864 / 0.060 (no out-of-scope question in it); fresh8 0.821 / 0.918 / 0.045 / 0.792 and fresh9
# 0.767 / 0.872 / 0.060 / 0.709, fresh10 0.868 / 0.949 / 0.022 / 0.640, fresh12 0.831 / 0.897 / 0.037 / 0.840 and
# fresh11 0.801 / 0.904 / 0.029 / 0.620 (each run once).
APART_FLOORS = {
    HERE / "questions-heldout.jsonl": (0.55, 0.70, 0.16, 0.74),
    HERE / "questions-fresh.jsonl": (0.47, 0.55, 0.28, 0.60),
    HERE / "questions-fresh2.jsonl": (0.54, 0.71, 0.18, 0.66),
    HERE / "questions-fresh3.jsonl": (0.82, 0.92, 0.05, 0.93),
    HERE / "questions-fresh7.jsonl": (0.80, 0.89, 0.04, 0.70),
    HERE / "questions-teach3.jsonl": (0.71, 0.83, 0.09, 0.0),
    HERE / "questions-fresh8.jsonl": (0.78, 0.88, 0.07, 0.74),
    HERE / "questions-fresh9.jsonl": (0.73, 0.83, 0.09, 0.66),
    HERE / "questions-fresh10.jsonl": (0.83, 0.91, 0.05, 0.58),
    HERE / "questions-fresh11.jsonl": (0.76, 0.86, 0.06, 0.56),
    HERE / "questions-fresh12.jsonl": (0.79, 0.86, 0.06, 0.78),
}
# Out-of-scope sets: set -> floor on rejected. out-of-scope and -2 seed the taught questions (measured 0.929 and
# 0.961 when they were not yet taught); not-answered, out-of-scope-3 and -4 are kept out (measured 0.846, 0.697
# and 0.603).
REJECTED_FLOORS = {"out-of-scope.jsonl": 0.88, "out-of-scope-2.jsonl": 0.88, "not-answered.jsonl": 0.80,
                   "out-of-scope-3.jsonl": 0.65, "out-of-scope-4.jsonl": 0.56}
# Red flags: set -> floor on emergencies caught, ceiling on false alarms. Measured (2026-11-30) when the rules were
# last changed: every emergency caught on every set below, and no false alarm. The rules were written on the dev
# sets; each final set was run once after a round of rules, its misses read then and mended in a later round.
RED_FLAG_FLOORS = {
    HERE / "red-flags-dev.jsonl": (0.97, 1),
    HERE / "red-flags-dev2.jsonl": (0.97, 1),
    HERE / "red-flags-dev3.jsonl": (0.97, 1),
    HERE / "red-flags-dev4.jsonl": (0.97, 1),
    HERE / "red-flags-dev5.jsonl": (0.97, 1),
    HERE / "red-flags-dev6.jsonl": (0.97, 1),
    HERE / "red-flags-dev7.jsonl": (0.97, 1),
    HERE / "red-flags-dev8.jsonl": (0.97, 1),
    HERE / "red-flags-dev9.jsonl": (0.97, 1),
    HERE / "red-flags-dev10.jsonl": (0.97, 1),
    HERE / "red-flags-dev11.jsonl": (0.97, 1),
    HERE / "red-flags-dev12.jsonl": (0.97, 1),
    HERE / "red-flags-dev13.jsonl": (0.97, 1),
    HERE / "red-flags-final.jsonl": (0.97, 1),
    HERE / "red-flags-final2.jsonl": (0.97, 1),
    HERE / "red-flags-final3.jsonl": (0.97, 1),
    HERE / "red-flags-final4.jsonl": (0.97, 1),
    HERE / "red-flags-final5.jsonl": (0.97, 1),
    HERE / "red-flags-final6.jsonl": (0.97, 1),
    HERE / "red-flags-final7.jsonl": (0.97, 1),
    HERE / "red-flags-final8.jsonl": (0.97, 1),
    HERE / "red-flags-final9.jsonl": (0.97, 1),
    HERE / "red-flags-final10.jsonl": (0.97, 1),
    HERE / "red-flags-final11.jsonl": (0.97, 1),
    HERE / "red-flags-final12.jsonl": (0.97, 1),
}


@pytest.fixture(scope="module")
def index():
    return index_module.build(bundled_dir("corpus"))[0]


@pytest.mark.parametrize("path", FLOORS, ids=lambda path: path.name)
def test_question_set_stays_above_its_floors(index, path):
    if not path.is_file():
        pytest.skip(f"question set not found at {path}")
    figures = evaluate(index, load_questions(path))
    hit1, hit3, refused = FLOORS[path]
    assert figures["hit@1"] >= hit1, figures["misses"]
    assert figures["hit@3"] >= hit3, figures["misses"]
    assert figures["refused"] <= refused, figures["misses"]
    assert figures["out_of_scope_accuracy"] == 1.0, figures["misses"]
    assert figures["red_flag_recall"] == 1.0, figures["misses"]
    assert figures["false_alarms"] == 0, figures["misses"]


@pytest.mark.parametrize("name", REJECTED_FLOORS)
def test_out_of_scope_questions_are_mostly_rejected(index, name):
    figures = evaluate(index, load_questions(HERE / name))
    assert figures["out_of_scope"] >= 40
    assert figures["out_of_scope_accuracy"] >= REJECTED_FLOORS[name], figures["misses"]


@pytest.mark.parametrize("path", APART_FLOORS, ids=lambda path: path.name)
def test_sets_written_apart_stay_above_their_floors(index, path):
    figures = evaluate(index, load_questions(path))
    hit1, hit3, refused, rejected = APART_FLOORS[path]
    assert figures["hit@1"] >= hit1, figures["misses"]
    assert figures["hit@3"] >= hit3, figures["misses"]
    assert figures["refused"] <= refused, figures["misses"]
    assert figures["out_of_scope_accuracy"] >= rejected, figures["misses"]
    assert figures["red_flag_recall"] >= 0.93 or not figures["red_flags"], figures["misses"]
    assert figures["false_alarms"] == 0, figures["misses"]


@pytest.mark.parametrize("path", RED_FLAG_FLOORS, ids=lambda path: path.name)
def test_red_flag_sets_stay_above_their_floors(index, path):
    figures = evaluate(index, load_questions(path))
    recall, false_alarms = RED_FLAG_FLOORS[path]
    assert figures["red_flags"] >= 40
    assert figures["red_flag_recall"] >= recall, figures["misses"]
    assert figures["false_alarms"] <= false_alarms, figures["misses"]
