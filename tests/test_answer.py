"""Answers: the result object, citations, fallback, red flags, follow-ups, bad questions."""
import json
from pathlib import Path

import pytest

from assistant.config import bundled_dir
from assistant.engine import index as index_module
from assistant.engine.answer import answer, check_question
from assistant.engine.redflags import situations
from assistant.engine.safety import DISCLAIMER, FALLBACK, URGENT_ADVICE
from assistant.errors import BadQuestion


@pytest.fixture(scope="module")
def index():
    return index_module.build(bundled_dir("corpus"))[0]


def test_result_has_the_documented_shape(index):
    result = answer(index, "How do I stretch my hip flexors?")
    assert set(result) == {"question", "found", "confidence", "answer", "passages", "urgent", "disclaimer"}
    assert result["found"] is True and result["urgent"] is False and result["confidence"] in ("high", "low")
    assert len(result["passages"]) == 3
    for passage in result["passages"]:
        assert set(passage) == {"id", "text", "score", "citation"}
        assert set(passage["citation"]) == {"source", "title", "section", "start", "end"}
        assert isinstance(passage["score"], float) and passage["score"] > 0


def test_passages_come_as_ranked_their_score_decreasing(index):
    for line in (Path(__file__).parent / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        result = answer(index, question["question"], question.get("history", []), top_k=5)
        scores = [passage["score"] for passage in result["passages"]]
        assert scores == sorted(scores, reverse=True), question["question"]


def test_passage_text_is_the_cited_source_text(index):
    result = answer(index, "Which nerve supplies the iliacus?", top_k=5)
    for passage in result["passages"]:
        citation = passage["citation"]
        source = (bundled_dir("corpus") / citation["source"]).read_text(encoding="utf-8")
        # The source's letters in its order; only spaces differ (run-together words are shown split).
        assert "".join(passage["text"].split()) == "".join(source[citation["start"]:citation["end"]].split())


def test_answer_is_a_sentence_of_the_best_passage(index):
    result = answer(index, "Which nerve supplies the iliacus?")
    assert result["answer"] in result["passages"][0]["text"]
    assert "femoral" in result["answer"]


def test_every_result_carries_the_same_disclaimer(index):
    for question in ["What is the psoas?", "What is the capital of France?", "I fell and cannot bear weight"]:
        assert answer(index, question)["disclaimer"] == DISCLAIMER
    assert "not medical advice" in DISCLAIMER and "physician" in DISCLAIMER and "hip pain" in DISCLAIMER


@pytest.mark.parametrize("question", [
    "What is the capital of France?", "How do I treat a sprained ankle?", "asdfgh qwerty zxcvb",
    "How do I bake sourdough bread?", "What is the best laptop for programming?",
])
def test_questions_the_articles_cannot_answer_get_the_fallback(index, question):
    result = answer(index, question)
    assert result["found"] is False and result["passages"] == [] and result["answer"] == FALLBACK


@pytest.mark.parametrize("question", [
    "I fell down the stairs and can't put weight on my leg",
    "After the car accident I cannot stand on my left leg",
    "My leg looks deformed after I fell",
    "I have a fever and chills and my hip is hot and swollen",
    "There is numbness in my groin",
    "I have lost control of my bladder",
    "I suddenly have severe pain in my hip",
])
def test_red_flags_get_urgent_advice_first(index, question):
    result = answer(index, question)
    assert result["urgent"] is True and result["answer"].endswith(URGENT_ADVICE)
    assert result["passages"] == []  # the advice alone, never an exercise list under it


@pytest.mark.parametrize("question", [
    "How do I stretch my hip flexors?", "Why does my hip flexor hurt when I walk?", "Can I walk after a psoas release?",
    "Is it normal to feel pain while stretching?", "What happens if I fall asleep sitting?",
])
def test_ordinary_questions_are_not_flagged(question):
    assert situations([question]) == []


def test_follow_up_uses_the_earlier_question(index):
    alone = answer(index, "How long do I hold it?")
    followed = answer(index, "How long do I hold it?",
                      history=["How can I strengthen my iliopsoas while standing with a resistance loop?"])
    assert followed["found"]
    assert "three seconds" in followed["passages"][0]["text"]
    assert alone["passages"][:1] != followed["passages"][:1]


def test_a_follow_up_ranks_by_its_own_ask_with_the_earlier_question_as_context():
    from assistant.engine.question import split_ask
    from assistant.engine.text import Tokenizer

    tokenizer = Tokenizer({})
    history = ["How do I stretch my hip flexors?"]
    assert split_ask("How long should I hold it?", history, tokenizer) == ("How long should I hold it?", history[0])
    assert split_ask("how many reps?", history, tokenizer)[1] == history[0]  # terse: leans on the chat
    chain = ["How do I stretch my hip flexors?", "How long should I hold it?"]
    assert split_ask("and how often?", chain, tokenizer)[1] == " ".join(chain)  # the follow-up's own context too
    standalone = "Which nerve supplies the iliacus muscle in the pelvis?"
    assert split_ask(standalone, history, tokenizer) == (standalone, "")


def test_the_answer_sentence_is_the_one_closest_to_the_follow_ups_own_ask(index):
    result = answer(index, "and the other one, the psoas major?", history=["Which nerve supplies the psoas minor?"])
    assert "psoas major" in result["answer"].lower()


def test_a_story_is_context_and_its_question_is_the_ask():
    from assistant.engine.question import split_ask
    from assistant.engine.text import Tokenizer

    story = ("Ok so I work from home and sit most of the day. My hips feel stiff every evening. "
             "What actually makes hip flexors get tight? I also like cycling.")
    ask, context = split_ask(story, [], Tokenizer({}))
    assert ask == "What actually makes hip flexors get tight?"
    assert context.startswith("Ok so I work from home") and "cycling" in context
    assert split_ask("WHAT ARTERY FEEDS THE PSOAS??", [], Tokenizer({})) == ("WHAT ARTERY FEEDS THE PSOAS?", "")


def test_confidence_is_high_low_or_none_with_found(index):
    answered = answer(index, "Which nerve supplies the iliacus?")
    assert answered["found"] and answered["confidence"] == "high"
    refused = answer(index, "What is the capital of France?")
    assert not refused["found"] and refused["confidence"] is None


def test_top_k_sets_the_number_of_passages(index):
    assert len(answer(index, "psoas", top_k=1)["passages"]) == 1
    assert len(answer(index, "psoas", top_k=7)["passages"]) == 7


def test_returned_passages_do_not_overlap(index):
    passages = answer(index, "How do I release the psoas?", top_k=10)["passages"]
    spans = [(p["citation"]["source"], p["citation"]["start"], p["citation"]["end"]) for p in passages]
    for i, (source, start, end) in enumerate(spans):
        for other, a, b in spans[i + 1:]:
            assert source != other or end <= a or b <= start


@pytest.mark.parametrize("question, history, top_k, message", [
    ("", [], 3, "blank"),
    ("   \n ", [], 3, "blank"),
    ("\u0000", [], 3, "blank"),
    ("\u0001\u200b\u2028\ufeff", [], 3, "blank"),
    ("???", [], 3, "no letter or digit"),
    ("psoas \ud800", [], 3, "surrogate"),
    ("psoas", ["stretch \udfff"], 3, "surrogate"),
    ("x" * 1001, [], 3, "1001 characters long; the limit is 1000"),
    (None, [], 3, "must be a string"),
    ("psoas?", "not a list", 3, "history must be a list"),
    ("psoas?", [1, 2], 3, "only strings"),
    ("psoas?", [], 0, "top_k must be a whole number from 1 to 10"),
    ("psoas?", [], 11, "top_k"),
    ("psoas?", [], True, "top_k"),
])
def test_bad_questions_raise_a_specific_error(index, question, history, top_k, message):
    with pytest.raises(BadQuestion, match=message):
        answer(index, question, history, top_k)


def test_history_items_without_a_letter_or_digit_are_dropped():
    assert check_question("psoas", ["\u0000", " \t", "\u200b?", " How do I stretch? "]) == (
        "psoas", ["How do I stretch?"], 3)


def test_a_question_of_exactly_1000_characters_is_fine(index):
    assert answer(index, ("psoas " * 200)[:1000])["question"]
