"""Answer a question: rank passages, pick the best sentence, decide found and urgent, cite sources.

No Flask here: the API and the command line both call answer().
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .config import DEFAULT_TOP_K, MAX_QUESTION_CHARS, MAX_TOP_K
from .errors import BadQuestion
from .index import Concepts, Index
from .safety import DISCLAIMER, FALLBACK, URGENT_MESSAGE, red_flags

# Share of the question's informative weight (text.informativeness) that the best
# passage must cover for the articles to count as answering it. Calibrated on the
# dev set and tests/questions.jsonl: answerable questions cover 0.60-1.00 (one lay
# question 0.51), out-of-scope ones 0.00-0.54; the cut sits in the gap.
MIN_COVERAGE = 0.57
# How many BM25 candidates are re-ranked, and how strongly each signal counts.
RERANK_DEPTH = 15
COVERAGE_POWER = 2.0
HEADING_BONUS = 0.75
ANSWER_TYPE_BONUS = 0.25
# What kind of answer a question asks for, as words such answers usually contain.
ANSWER_TYPES = [
    (re.compile(r"\bhow long\b", re.I), "seconds minutes hours days weeks"),
    (re.compile(r"\bhow (often|many times)\b", re.I), "times daily day week repetitions"),
    (re.compile(r"^\s*where\b", re.I), "located location between lies found attaches"),
    (re.compile(r"^\s*what (is|are) (a|an|the)?\s*\w+( \w+)?\s*\??$", re.I), "called termed refers defined"),
]
# Words that point back to an earlier question ("How long do I hold it?").
FOLLOW_UP = re.compile(r"\b(it|its|this|that|these|those|they|them|there|one|ones)\b|^\s*(and|also|so|what about|how about)\b", re.I)


class Ranking(NamedTuple):
    """The best passages for a question, best first, with what answer() needs to know of each."""

    passages: list[int]
    scores: dict[int, float]  # BM25 score
    coverage: dict[int, float]  # share of the question's informative weight the passage covers
    concepts: Concepts  # the question's


def check_question(question, history=(), top_k=DEFAULT_TOP_K) -> tuple[str, list[str], int]:
    """Return the question stripped, the non-blank history, and top_k, checked.

    Raises BadQuestion saying what is wrong.
    """
    if not isinstance(question, str):
        raise BadQuestion("question must be a string")
    question = question.strip()
    if not question:
        raise BadQuestion("question is blank; ask something about the hip flexors, e.g. 'How do I stretch my hip flexors?'")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise BadQuestion("history must be a list of earlier questions (strings)")
    if not all(isinstance(item, str) for item in history):
        raise BadQuestion("history must hold only strings: the chat's earlier questions")
    if any(len(item) > MAX_QUESTION_CHARS for item in history):
        raise BadQuestion(f"each history question must be at most {MAX_QUESTION_CHARS} characters")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise BadQuestion(f"top_k must be a whole number from 1 to {MAX_TOP_K}")
    return question, [item.strip() for item in history if item.strip()], top_k


def answer(index: Index, question: str, history: list[str] | tuple = (), top_k: int = DEFAULT_TOP_K) -> dict:
    """Return the result object for a question and the chat's earlier questions.

    Raises BadQuestion for a blank or too long question, bad history or top_k.
    """
    question, history, top_k = check_question(question, history, top_k)
    urgent = any(red_flags(text) for text in [question, *history])
    ranking = rank(index, question, history, top_k)
    ranked = ranking.passages
    found = bool(ranked) and ranking.coverage[ranked[0]] >= MIN_COVERAGE
    if not found:
        ranked = []
    passages = [passage_result(index, p, ranking.scores[p]) for p in ranked]
    if urgent:
        text = URGENT_MESSAGE
    else:
        text = best_sentence(index, ranked[0], ranking.concepts) if found else FALLBACK
    return {
        "question": question,
        "found": found,
        "answer": text,
        "passages": passages,
        "urgent": urgent,
        "disclaimer": DISCLAIMER,
    }


def rank(index: Index, question: str, history: list[str], k: int) -> Ranking:
    """Return the k best passages for a question and the chat's earlier questions.

    A follow-up ("How long do I hold it?") borrows the terms of the latest earlier question.
    """
    groups = index.tokenizer.term_groups(question)
    query = [term for group in groups for term in group.terms]
    if history and (not groups or FOLLOW_UP.search(question)):
        context = index.tokenizer.term_groups(history[-1])
        query += [term for group in context for term in group.terms]
        groups = groups + context
    concepts = index.concepts(groups)
    candidates, scores = index.top(query, max(k, RERANK_DEPTH))
    wanted = frozenset().union(*(index.hint_terms(hint) for pattern, hint in ANSWER_TYPES if pattern.search(question)))
    # Pure Python over a few candidates: many small numpy calls would hand the GIL back
    # and forth between a server's threads.
    weighted, coverage = {}, {}
    for passage, score, terms, heading in zip(candidates, scores, index.contains(candidates, concepts.terms | wanted),
                                              index.opening_sections(candidates)):
        # Prefer passages that cover more of the question's concepts over ones that repeat one of them.
        coverage[passage] = concepts.coverage(terms)
        weight = score * coverage[passage] ** COVERAGE_POWER
        if heading is not None:
            weight *= 1 + HEADING_BONUS * similarity(index.section_concepts(heading), concepts)
        if not wanted.isdisjoint(terms):
            weight *= 1 + ANSWER_TYPE_BONUS
        weighted[passage] = weight
    ranked = sorted(candidates, key=lambda p: (-weighted[p], p))  # best first; ties to the earlier passage
    return Ranking(distinct(index, ranked, k), dict(zip(candidates, scores)), coverage, concepts)


def similarity(heading: Concepts, question: Concepts) -> float:
    """Return how alike a section heading and the question are: the harmonic mean of the weight each shares.

    Articles often put a question as a heading and its answer right under it
    ("What does the iliacus do?" / "Short answer: ..."), so a section's first passage
    gains by how alike its heading and the question are.
    """
    share_heading, share_question = heading.coverage(question.terms), question.coverage(heading.terms)
    total = share_heading + share_question
    return 2 * share_heading * share_question / total if total else 0.0


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


def best_sentence(index: Index, passage: int, concepts: Concepts) -> str:
    """Return the passage's sentence that covers the most question weight (the first on a tie)."""
    doc = int(index.passage_doc[passage])
    best, best_score = (0, 0), -1.0
    for span, terms in zip(index.passage_sentences(passage), index.sentence_terms(passage)):
        score = concepts.coverage(terms)
        if score > best_score:
            best, best_score = span, score
    return " ".join(index.documents[doc].text[best[0]:best[1]].split())


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
