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
from .chunking import sentence_splitter
from .embeddings import embedder
from .index import Index
from .safety import DISCLAIMER, FALLBACK, URGENT_MESSAGE, red_flags

# How much BM25 counts in the fused score (the rest is the semantic score); each is first
# turned into z-scores over all passages, so neither's scale matters.
BM25_WEIGHT = 0.3
# A passage is as close to the question as its best sentence and as the passage as a whole, half each.
SENTENCE_SHARE = 0.5
# How much the context (the story before the ask, the earlier question a follow-up refers to)
# counts, against the ask's own weight of 1: enough to say what "it" is, not to drown the ask.
CONTEXT_WEIGHT = 0.5
# How likely the articles answer a question: a logistic curve over two signals, the cosine
# between the question and the best passage's best sentence, and the share of the
# question's terms the articles use at all. Fitted by bench/calibrate.py on the question sets
# (356 answerable and 200 out-of-scope questions, lay and rambling ones among them:
# README, "Confidence"); not tuned by hand.
CONFIDENCE_INTERCEPT, CONFIDENCE_COSINE, CONFIDENCE_KNOWN = -9.04, 8.10, 6.95
FOUND_PROBABILITY = 0.5  # below: the articles do not answer it (found: false)
HIGH_PROBABILITY = 0.9  # at or above: confidence "high"; between the two: "low"
# Words that point back to an earlier question ("How long do I hold it?").
FOLLOW_UP = re.compile(r"\b(it|its|this|that|these|those|they|them|there|one|ones|other)\b|"
                       r"^\s*(and|also|so|then|what about|how about)\b", re.I)
WORD = re.compile(r"[^\W_]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A question with this few informative terms ("how many reps?") leans on the chat before it.
TERSE_TERMS = 2


class Ranking(NamedTuple):
    """The best passages for a question, best first, with what answer() needs to know of each."""

    passages: list[int]
    scores: dict[int, float]  # fused score: BM25 and semantic z-scores, weighted
    best_sentences: dict[int, int]  # passage -> the slot of its sentence closest to the ask
    cosine: float  # the best passage's best sentence's cosine with the question (ask and context)
    known: float  # share of the question's terms (ask and context) that the articles use


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
    urgent = any(red_flags(text) for text in [question, *history])
    ranking = rank(index, question, history, top_k)
    ranked = ranking.passages
    confidence = decide_confidence(index, ranking)
    found = confidence is not None
    if not found:
        ranked = []
    passages = [passage_result(index, p, ranking.scores[p]) for p in ranked]
    if urgent:
        text = URGENT_MESSAGE
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


def answer_probability(cosine: float, known: float) -> float:
    """Return how likely the articles answer a question, from the calibrated logistic curve."""
    return 1 / (1 + math.exp(-(CONFIDENCE_INTERCEPT + CONFIDENCE_COSINE * cosine + CONFIDENCE_KNOWN * known)))


def decide_confidence(index: Index, ranking: Ranking) -> str | None:
    """Return "high" or "low" for how surely the best passage answers, None when nothing does.

    Without the semantic half there is nothing calibrated to go by: any BM25 match is a low-confidence one.
    """
    if not ranking.passages:
        return None
    if not index.semantic:
        return "low"
    probability = answer_probability(ranking.cosine, ranking.known)
    if probability < FOUND_PROBABILITY:
        return None
    return "high" if probability >= HIGH_PROBABILITY else "low"


def split_ask(question: str, history: list[str], tokenizer) -> tuple[str, str]:
    """Return what the question asks, and its context: the story told before the ask, and the
    earlier questions a follow-up refers to ("How long do I hold it?" after a stretch question)."""
    # A run of punctuation ("??") can come out as a sentence of its own: it asks nothing.
    sentences = [question[a:b] for a, b in sentence_splitter().span_tokenize(question)
                 if WORD.search(question[a:b])] or [question]
    asks = [i for i, sentence in enumerate(sentences) if "?" in sentence]
    at = asks[-1] if asks else len(sentences) - 1
    ask, story = sentences[at], " ".join(sentences[:at] + sentences[at + 1:])
    return ask, " ".join(filter(None, [referred_to(ask, history, tokenizer), story]))


def referred_to(question: str, history: list[str], tokenizer) -> str:
    """Return the earlier questions a follow-up refers to, nearest last; "" for a question that stands alone."""
    if not history:
        return ""
    if not FOLLOW_UP.search(question) and len(tokenizer.tokenize(question)) > TERSE_TERMS:
        return ""
    return " ".join(filter(None, [referred_to(history[-1], history[:-1], tokenizer), history[-1]]))


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
        bm25 = bm25 + CONTEXT_WEIGHT * index.scores(context_terms)
    ask_vector = None
    if index.semantic:
        spelled = index.tokenizer.spelled
        vectors = embedder().embed([spelled(ask), spelled(context)] if context else [spelled(ask)])
        ask_vector = vectors[0]
        query = vectors[0] + CONTEXT_WEIGHT * vectors[1] if context else vectors[0]
        query = query / np.linalg.norm(query)
        slot_cosines = (index.sentence_vectors @ query)[index.span_sentence]
        best_cosines = np.maximum.reduceat(slot_cosines, index.sentence_ptr[:-1])
        semantic = SENTENCE_SHARE * best_cosines + (1 - SENTENCE_SHARE) * (index.passage_vectors @ query)
        fused = BM25_WEIGHT * z_scores(bm25) + (1 - BM25_WEIGHT) * z_scores(semantic)
    else:
        best_cosines, fused = None, bm25
    candidates, scores = index.top_of(fused, k * 4, positive=not index.semantic)
    ranked = distinct(index, candidates, k)
    ask_terms = index.term_id_set(terms)
    best = {p: best_sentence(index, p, ask_vector, ask_terms) for p in ranked}
    cosine = float(best_cosines[ranked[0]]) if ranked and best_cosines is not None else 0.0
    asked = terms + context_terms
    known = sum(term in index.term_ids for term in asked) / len(asked) if asked else 0.0
    return Ranking(ranked, dict(zip(candidates, scores)), best, cosine, known)


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
    return {"id": f"{document.source}:{start}-{end}", "text": index.passage_text(passage), "score": score,
            "citation": citation}
