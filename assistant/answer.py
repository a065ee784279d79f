"""Answer a question: rank passages, pick the best sentence, decide found and urgent, cite sources.

No Flask here: the API and the command line both call answer().
"""
from __future__ import annotations

import re

import numpy as np

from .config import DEFAULT_TOP_K, MAX_QUESTION_CHARS, MAX_TOP_K
from .errors import BadQuestion
from .index import Index
from .safety import DISCLAIMER, FALLBACK, URGENT_MESSAGE, red_flags
from .text import Group

# Share of the question's informative weight (text.informativeness) that the best
# passage must cover for the articles to count as answering it. Calibrated on the
# dev set and tests/questions.jsonl: answerable questions cover 0.60-1.00 (one lay
# question 0.51), out-of-scope ones 0.00-0.54; the cut sits in the gap.
MIN_COVERAGE = 0.57
# How many BM25 candidates are re-ranked, and how strongly each signal counts.
RERANK_DEPTH = 30
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
    ranked, scores, groups = rank(index, question, history, top_k)
    found = bool(ranked) and coverage(index, ranked[0], groups) >= MIN_COVERAGE
    if not found:
        ranked = []
    passages = [passage_result(index, p, float(scores[p])) for p in ranked]
    if urgent:
        text = URGENT_MESSAGE
    else:
        text = best_sentence(index, ranked[0], groups) if found else FALLBACK
    return {
        "question": question,
        "found": found,
        "answer": text,
        "passages": passages,
        "urgent": urgent,
        "disclaimer": DISCLAIMER,
    }


def rank(index: Index, question: str, history: list[str], k: int) -> tuple[list[int], np.ndarray, list[Group]]:
    """Return the k best passages (best first), every passage's score, and the question's concepts.

    A follow-up ("How long do I hold it?") borrows the terms of the latest earlier question.
    """
    groups = index.tokenizer.term_groups(question)
    query = [term for group in groups for term in group.terms]
    if history and (not groups or FOLLOW_UP.search(question)):
        context = index.tokenizer.term_groups(history[-1])
        query += [term for group in context for term in group.terms]
        groups = groups + context
    scores = index.scores(query)
    candidates = np.array(top_passages(scores, max(k, RERANK_DEPTH)), dtype=index.posting_passage.dtype)
    if not len(candidates):
        return [], scores, groups
    # Prefer passages that cover more of the question's concepts over ones that repeat one of them.
    weighted = scores[candidates] * coverages(index, candidates, groups) ** COVERAGE_POWER
    weighted *= 1 + HEADING_BONUS * heading_matches(index, candidates, groups)
    wanted = [term for pattern, hint in ANSWER_TYPES if pattern.search(question) for term in index.hint_terms(hint)]
    weighted *= 1 + ANSWER_TYPE_BONUS * index.contains(candidates, wanted)
    order = np.lexsort((candidates, -weighted))  # best first; ties to the earlier passage
    return distinct(index, candidates[order].tolist(), k), scores, groups


def coverages(index: Index, passages: np.ndarray, groups: list[Group]) -> np.ndarray:
    """Return, for each passage, the share of the question's informative weight it contains."""
    concepts = list(dict.fromkeys(groups))
    weights = np.array([group.weight for group in concepts])
    if not concepts or weights.sum() <= 0:
        return np.zeros(len(passages))
    present = np.array([index.contains(passages, group.terms) for group in concepts])
    return weights @ present / weights.sum()


def heading_matches(index: Index, passages: np.ndarray, groups: list[Group]) -> np.ndarray:
    """Return how alike each passage's section heading and the question are, for a section's first passage only.

    Articles often put a question as a heading and its answer right under it
    ("What does the iliacus do?" / "Short answer: ...").
    """
    matches = np.zeros(len(passages))
    for i in np.flatnonzero(index.opens_section()[passages]):
        matches[i] = similarity(index.section_groups(int(index.passage_section[passages[i]])), groups)
    return matches


def similarity(a: list[Group], b: list[Group]) -> float:
    """Return how alike two texts' concepts are: the harmonic mean of the weight each shares with the other."""
    terms_a = {term for group in a for term in group.terms}
    terms_b = {term for group in b for term in group.terms}
    share_a = sum(g.weight for g in set(a) if terms_b.intersection(g.terms)) / (sum(g.weight for g in set(a)) or 1)
    share_b = sum(g.weight for g in set(b) if terms_a.intersection(g.terms)) / (sum(g.weight for g in set(b)) or 1)
    return 2 * share_a * share_b / (share_a + share_b) if share_a + share_b else 0.0


def distinct(index: Index, ranked: list[int], k: int) -> list[int]:
    """Return the first k passages of a ranking that do not overlap a better one."""
    spans = zip(ranked, index.passage_doc[ranked].tolist(), index.passage_start[ranked].tolist(),
                index.passage_end[ranked].tolist())
    chosen: list[tuple[int, int, int, int]] = []
    for p, doc, start, end in spans:
        if not any(doc == d and s < end and start < e for _, d, s, e in chosen):
            chosen.append((p, doc, start, end))
            if len(chosen) == k:
                break
    return [p for p, _, _, _ in chosen]


def top_passages(scores: np.ndarray, k: int) -> list[int]:
    """Return the indexes of the k best-scoring passages with a positive score, best first."""
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > k:
        candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
    # Ties go to the earlier passage, so results do not depend on the partition.
    return sorted(candidates.tolist(), key=lambda p: (-scores[p], p))


def coverage(index: Index, passage: int, groups: list[Group]) -> float:
    """Return the share of the question's informative weight that one passage contains."""
    return float(coverages(index, np.array([passage], dtype=index.posting_passage.dtype), groups)[0])


def best_sentence(index: Index, passage: int, groups: list[Group]) -> str:
    """Return the passage's sentence that covers the most question weight (the first on a tie)."""
    doc = int(index.passage_doc[passage])
    best, best_score = (0, 0), -1.0
    for span in index.passage_sentences(passage):
        terms = index.sentence_terms(doc, *span)
        score = sum(group.weight for group in set(groups) if terms.intersection(group.terms))
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
