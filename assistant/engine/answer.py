"""Answer a question: rank passages, pick the best sentence, decide found and urgent, cite sources.

No Flask here: the API and the command line both call answer().
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

import numpy as np

from ..config import DEFAULT_TOP_K, MAX_QUESTION_CHARS, MAX_TOP_K
from ..errors import BadQuestion
from .embeddings import embedder
from .index import Index
from . import question as questions
from .question import WORD, combine, split_ask
from .redflags import situations
from .safety import DISCLAIMER, FALLBACK, urgent_message
from .text import rarity, words

# How much BM25 counts in the fused score (the rest is the semantic score); each is first
# turned into z-scores over all passages, so neither's scale matters.
BM25_WEIGHT = 0.3
# A passage is as close to the question as its best sentence and as the passage as a whole, half each.
SENTENCE_SHARE = 0.5
# How likely the articles answer a question: a logistic curve over four signals, the cosine between the
# question and the best passage's best sentence (a passage's taught questions count as its sentences), the
# share of the question's terms the articles use at all, the share of its words, each weighted by how rare it
# is in English, that neither the articles nor the taught questions use (a question about acupuncture or
# pregnancy is about something else), and how much closer the question is to one taught as not answered by the
# articles than to the best taught question or sentence. Fitted by bench/calibrate.py on the question sets, a
# taught set read with only the other sets taught (docs/quality.md); not tuned by hand. Each index uses the
# curve fitted on the signals it has: whether it has taught questions attached to passages, and whether it has
# questions taught as not answered (bench/calibrate.py, and --untaught for the sets read with no answered
# question taught).
CURVES = {  # (answered taught?, not answered taught?) -> intercept, then a weight for each signal the index has
    (True, True): (-3.44, 2.86, 2.02, -3.71, -7.66),  # cosine, known, unfamiliar, not answered
    (True, False): (-5.35, 6.24, 2.59, -5.35),  # cosine, known, unfamiliar
    (False, True): (-0.95, 0.62, 2.65, -2.45, -7.68),  # cosine, known, unfamiliar, not answered
    (False, False): (-3.19, 3.96, 2.81, -3.58),  # cosine, known, unfamiliar
}
# Taught questions: a passage's closest taught question counts as one more of its sentences, and one closer
# than the floor adds a bonus (bench/taught.py measured the weight on every taught set, each with only the
# others taught).
TAUGHT_AS_SENTENCE = True
TAUGHT_BONUS, TAUGHT_FLOOR = 8.0, 0.7
FOUND_PROBABILITY = 0.5  # below: the articles do not answer it (found: false)
HIGH_PROBABILITY = 0.9  # at or above: confidence "high"; between the two: "low"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Ranking(NamedTuple):
    """The best passages for a question, best first, with what answer() needs to know of each."""

    passages: list[int]
    scores: dict[int, float]  # fused score: BM25 and semantic z-scores, weighted
    best_sentences: dict[int, int]  # passage -> the slot of its sentence closest to the ask
    cosine: float  # the best passage's best sentence's cosine with the question (ask and context)
    known: float  # share of the question's terms (ask and context) that the articles use
    taught: float  # the best taught question's cosine with the question (-1 when nothing is taught)
    unfamiliar: float  # share of the question's words (weighted by rarity) the articles and taught questions never use
    not_answered: float  # the best cosine with a question taught as not answered, less max(taught, cosine)
    vectors: list  # the ask's and the context's vectors, as the semantic model read them (none without it)


def check_question(question, history=(), top_k=DEFAULT_TOP_K) -> tuple[str, list[str], int]:
    """Return the question stripped, the non-blank history, and top_k, checked.

    Raises BadQuestion saying what is wrong.
    """
    if not isinstance(question, str):
        raise BadQuestion("question must be a string")
    question = question.strip()
    if not WORD.search(question):  # spaces, control characters ("\u0000"), punctuation alone: nothing to ask
        raise BadQuestion("question is blank (it has no letter or digit); ask something about the hip flexors, "
                          "e.g. 'How do I stretch my hip flexors?'")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise BadQuestion("history must be a list of earlier questions (strings)")
    if not all(isinstance(item, str) for item in history):
        raise BadQuestion("history must hold only strings: the chat's earlier questions")
    if any(len(item) > MAX_QUESTION_CHARS for item in history):
        raise BadQuestion(f"each history question must be at most {MAX_QUESTION_CHARS} characters")
    if any(LONE_SURROGATE.search(text) for text in [question, *history]):  # JSON can send "\ud800" alone
        raise BadQuestion("the question or history holds half of a surrogate pair alone, which is not text; "
                          "send UTF-8 text")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise BadQuestion(f"top_k must be a whole number from 1 to {MAX_TOP_K}")
    return question, [item.strip() for item in history if WORD.search(item)], top_k


def answer(index: Index, question: str, history: list[str] | tuple = (), top_k: int = DEFAULT_TOP_K) -> dict:
    """Return the result object for a question and the chat's earlier questions.

    Raises BadQuestion for a blank or too long question, bad history or top_k.
    """
    question, history, top_k = check_question(question, history, top_k)
    ranking = rank(index, question, history, top_k)
    emergencies = situations([*history, question], ranking.vectors)
    urgent = bool(emergencies)
    ranked = ranking.passages
    confidence = decide_confidence(index, ranking)
    found = confidence is not None
    if not found or urgent:  # an emergency gets the advice alone: never an exercise list under it
        ranked = []
    passages = [passage_result(index, p, ranking.scores[p]) for p in ranked]
    if urgent:
        text = urgent_message(emergencies)
    else:
        text = sentence_text(index, ranked[0], ranking.best_sentences[ranked[0]]) if found else FALLBACK
    return {
        "question": question,
        "found": found,
        "confidence": confidence,
        "answer": text,
        "passages": passages,
        "urgent": urgent,
        "disclaimer": DISCLAIMER,
    }


def search(index: Index, question: str, history: list[str] | tuple = (), top_k: int = DEFAULT_TOP_K) -> dict:
    """Return the best passages for a question with their scores, whether or not answer() would give them,
    and answer()'s own result: what an owner picks the passage that answers a question from.

    Raises BadQuestion as answer() does.
    """
    question, history, top_k = check_question(question, history, top_k)
    ranking = rank(index, question, history, top_k)
    return {"question": question, "passages": [passage_result(index, p, ranking.scores[p]) for p in ranking.passages],
            "answer": answer(index, question, history, top_k)}


def answer_probability(index: Index, ranking: Ranking) -> float:
    """Return how likely the articles answer a question, from the calibrated logistic curve for the signals the
    index has (CURVES)."""
    taught, not_answered = bool(len(index.taught_pair_passage)), bool(len(index.not_answered_vectors))
    signals = [ranking.cosine, ranking.known, ranking.unfamiliar] + ([ranking.not_answered] if not_answered else [])
    weights = CURVES[taught, not_answered]
    return 1 / (1 + math.exp(-weights[0] - sum(w * x for w, x in zip(weights[1:], signals))))


def decide_confidence(index: Index, ranking: Ranking) -> str | None:
    """Return "high" or "low" for how surely the best passage answers, None when nothing does.

    Without the semantic half there is nothing calibrated to go by: any BM25 match is a low-confidence one.
    """
    if not ranking.passages:
        return None
    if not index.semantic:
        return "low"
    probability = answer_probability(index, ranking)
    if probability < FOUND_PROBABILITY:
        return None
    return "high" if probability >= HIGH_PROBABILITY else "low"


def rank(index: Index, question: str, history: list[str], k: int) -> Ranking:
    """Return the k best passages for a question and the chat's earlier questions.

    BM25 and the semantic score (cosine with the question of the passage's best sentence and
    of the whole passage, half each) are turned into z-scores over all passages and added,
    BM25_WEIGHT to the rest.
    """
    ask, context = split_ask(question, history, index.tokenizer)
    terms, context_terms = index.tokenizer.tokenize(ask), index.tokenizer.tokenize(context)
    bm25 = index.scores(terms)
    if context:
        bm25 = bm25 + questions.CONTEXT_WEIGHT * index.scores(context_terms)
    ask_vector, vectors = None, []
    if index.semantic:
        spelled = index.tokenizer.spelled
        vectors = embedder().embed([spelled(ask), spelled(context)] if context else [spelled(ask)])
        ask_vector = vectors[0]
        query = combine(vectors[0], vectors[1] if context else None)
        slot_cosines = (index.sentence_vectors @ query)[index.span_sentence]
        best_cosines = np.maximum.reduceat(slot_cosines, index.sentence_ptr[:-1])
        taught_cosines, taught_sentences = taught_closeness(index, query)
        best_taught = float(taught_cosines.max()) if len(index.taught_pair_passage) else -1.0
        not_answered = float((index.not_answered_vectors @ query).max()) if len(index.not_answered_vectors) else 0.0
        if TAUGHT_AS_SENTENCE:
            best_cosines = np.maximum(best_cosines, taught_cosines)
        semantic = SENTENCE_SHARE * best_cosines + (1 - SENTENCE_SHARE) * (index.passage_vectors @ query)
        fused = BM25_WEIGHT * z_scores(bm25) + (1 - BM25_WEIGHT) * z_scores(semantic)
        fused = fused + TAUGHT_BONUS * np.clip(taught_cosines - TAUGHT_FLOOR, 0, None)
    else:
        best_cosines, fused, best_taught, taught_cosines, not_answered = None, bm25, -1.0, None, 0.0
    candidates, scores = index.top_of(fused, k * 4, positive=not index.semantic)
    ranked = distinct(index, candidates, k)
    ask_terms = index.term_id_set(terms)
    best = {p: best_sentence(index, p, ask_vector, ask_terms) for p in ranked}
    if taught_cosines is not None:  # a close taught question's quote is the answer, whatever words it repeats
        best.update({p: int(index.sentence_ptr[p] + taught_sentences[p]) for p in ranked
                     if taught_cosines[p] >= TAUGHT_FLOOR})
    cosine = float(best_cosines[ranked[0]]) if ranked and best_cosines is not None else 0.0
    if len(index.not_answered_vectors):  # closer to what the articles do not answer than to what they do?
        not_answered -= max(best_taught, cosine)
    asked = terms + context_terms
    known = sum(term in index.term_ids for term in asked) / len(asked) if asked else 0.0
    unfamiliar = unfamiliar_share(index, f"{ask} {context}")
    return Ranking(ranked, dict(zip(candidates, scores)), best, cosine, known, best_taught, unfamiliar, not_answered,
                   list(vectors))


def unfamiliar_share(index: Index, text: str) -> float:
    """Return the share of a text's words, each weighted by its rarity in English (text.rarity), whose terms neither
    the articles nor the taught questions use: "can acupuncture loosen my psoas" is mostly about acupuncture, while
    a common word ("gonna") weighs little. Stopwords and numbers say nothing of the topic and count for nothing."""
    total = unfamiliar = 0.0
    for word in words(text):
        terms = index.tokenizer.analyse_word(word)
        if terms and not word.isdigit():
            weight = rarity(word)
            total += weight
            unfamiliar += 0.0 if index.familiar_terms.issuperset(terms) else weight
    return unfamiliar / total if total else 0.0


def taught_closeness(index: Index, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each passage's best taught question's cosine with the query (-1 for a passage nothing is taught to),
    and which of the passage's sentences that question's quote is in."""
    closeness = np.full(index.passage_count, -1.0, dtype=np.float32)
    sentences = np.zeros(index.passage_count, dtype=np.int64)
    if len(index.taught_pair_passage):
        cosines, passages = (index.taught_vectors @ query)[index.taught_pair_taught], index.taught_pair_passage
        order = np.lexsort((cosines, passages))  # by passage, then cosine: each passage's closest pair comes last
        closest = order[np.r_[passages[order][1:] != passages[order][:-1], True]]
        closeness[passages[closest]] = cosines[closest]
        sentences[passages[closest]] = index.taught_pair_sentence[closest]
    return closeness, sentences


def z_scores(values: np.ndarray) -> np.ndarray:
    """Return the values as z-scores (0 everywhere when they are all equal: they then tell nothing)."""
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def distinct(index: Index, ranked: list[int], k: int) -> list[int]:
    """Return the first k passages of a ranking that do not overlap a better one."""
    spans = zip(ranked, index.passage_doc[ranked].tolist(), index.passage_start[ranked].tolist(),
                index.passage_end[ranked].tolist())
    chosen: list[int] = []
    taken: dict[int, list[tuple[int, int]]] = {}  # document -> spans of the passages chosen from it
    for p, doc, start, end in spans:
        if not any(s < end and start < e for s, e in taken.get(doc, ())):
            chosen.append(p)
            taken.setdefault(doc, []).append((start, end))
            if len(chosen) == k:
                break
    return chosen


def best_sentence(index: Index, passage: int, ask_vector: np.ndarray | None, ask_terms: frozenset[int]) -> int:
    """Return the slot of the passage's sentence closest to the ask (the first on a tie): the context
    chose the passage, the ask chooses its sentence ("and the psoas major?" after a psoas minor question).

    Without sentence vectors, the sentence holding the most BM25 weight (idf) of the ask's terms.
    """
    slots = range(index.sentence_ptr[passage], index.sentence_ptr[passage + 1])
    if ask_vector is not None:
        scores = (index.sentence_vectors[index.span_sentence[slots]] @ ask_vector).tolist()
    else:
        scores = [float(index.idf[list(terms & ask_terms)].sum()) for terms in index.sentence_terms(passage)]
    return slots[max(range(len(scores)), key=lambda i: (scores[i], -i))]


def sentence_text(index: Index, passage: int, slot: int) -> str:
    """Return the text of one of a passage's sentences, as shown (Index.shown_text)."""
    start, end = index.sentence_spans[slot].tolist()
    return index.shown_text(int(index.passage_doc[passage]), start, end)


def passage_result(index: Index, passage: int, score: float) -> dict:
    """Return one passage of the result object, with its citation."""
    document = index.documents[index.passage_doc[passage]]
    start, end = int(index.passage_start[passage]), int(index.passage_end[passage])
    citation = {
        "source": document.source,
        "title": document.title,
        "section": index.section(passage),
        "start": start,
        "end": end,
    }
    if document.metadata.get("url"):
        citation["url"] = document.metadata["url"]
    return {"id": index.passage_id(passage), "text": index.passage_text(passage), "score": score,
            "citation": citation}
