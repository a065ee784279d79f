"""Answer quality on the question sets, as `assistant eval` measures it."""
from pathlib import Path

import pytest

from assistant import index as index_module
from assistant.config import bundled_dir
from assistant.evaluate import evaluate, load_questions

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "iliopsoas-dev.jsonl"
OWN_SET = Path(__file__).resolve().parent / "questions.jsonl"


@pytest.fixture(scope="module")
def index():
    return index_module.build(bundled_dir("corpus"))[0]


@pytest.mark.skipif(not DEV_SET.is_file(), reason=f"development questions not found at {DEV_SET}")
def test_dev_set_targets(index):
    figures = evaluate(index, load_questions(DEV_SET))
    assert figures["hit@1"] >= 0.90, figures["misses"]
    assert figures["hit@3"] >= 0.97, figures["misses"]
    assert figures["out_of_scope_accuracy"] == 1.0
    assert figures["red_flag_recall"] == 1.0
    assert figures["false_alarms"] == 0


def test_own_question_set(index):
    figures = evaluate(index, load_questions(OWN_SET))
    assert figures["answerable"] >= 30
    assert figures["hit@1"] >= 0.70, figures["misses"]
    assert figures["hit@3"] >= 0.85, figures["misses"]
    assert figures["out_of_scope_accuracy"] == 1.0
    assert figures["red_flag_recall"] == 1.0
    assert figures["false_alarms"] == 0
