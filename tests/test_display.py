"""Shown text: run-together words split with spaces, while citations keep the source's offsets and letters."""
import re

import pytest

from assistant.engine import index as index_module
from assistant.engine.answer import answer
from assistant.engine.display import readable
from assistant.engine.text import Tokenizer


@pytest.fixture(scope="module")
def index(built_index):
    return index_module.load(built_index)


def letters(text: str) -> str:
    """Return a text without its whitespace: what splitting for display must leave unchanged."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("question, run_together, shown", [
    ("Which nerve supplies the iliacus?", "thefemoral nerveat", "the femoral nerve at"),
    ("What can injury to the iliopsoas cause?", "causehip", "cause hip"),
    ("Is lumbar side-gliding helpful?", "Sometimes,lumbar side-glidingis", "Sometimes, lumbar side-gliding is"),
])
def test_answers_show_run_together_words_split_and_cite_the_source_unchanged(index, question, run_together, shown):
    result = answer(index, question, top_k=5)
    passage = next(p for p in result["passages"] if shown in p["text"])
    citation = passage["citation"]
    document = next(d for d in index.documents if d.source == citation["source"])
    cited = document.text[citation["start"]:citation["end"]]
    assert run_together in cited and run_together not in passage["text"]
    assert letters(passage["text"]) == letters(cited)  # only spaces inserted: same letters, same order
    assert passage["id"] == f"{citation['source']}:{citation['start']}-{citation['end']}"


def test_the_answer_sentence_is_split_too(index):
    result = answer(index, "Which nerve supplies the iliacus?")
    assert "the femoral nerve at lumbar levels" in result["answer"]


def test_every_passage_keeps_its_letters_in_order(index):
    for p in range(index.passage_count):
        shown = index.passage_text(p)
        assert letters(shown) == letters(index.source_text(p))


def test_real_words_latin_names_numbers_and_misspellings_are_shown_as_written():
    tokenizer = Tokenizer({"psoas": 5, "iliacus": 4, "major": 3, "femoral": 1, "the": 9})
    assert readable("the psoas major", tokenizer) == "the psoas major"
    assert readable("theiliacus, thepsoasmajor.", tokenizer) == "the iliacus, the psoas major."
    assert readable("TheIliacus", tokenizer) == "The Iliacus"  # the source's own capitals
    assert readable("multifidus and paraspinalis", tokenizer) == "multifidus and paraspinalis"
    assert readable("1,000 people; 2.5 cm; U.S.A. e.g. x", tokenizer) == "1,000 people; 2.5 cm; U.S.A. e.g. x"
    assert readable("the iliacsu", tokenizer) == "the iliacsu"  # a misspelling is not split
    assert readable("pain.Rest,then ice", tokenizer) == "pain. Rest, then ice"
    assert readable("  many\n  spaces\t", tokenizer) == "many spaces"
