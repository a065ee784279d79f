"""Split a question into what it asks and its context: the story before the ask, the earlier question it follows."""
from __future__ import annotations

import re

import numpy as np

from .chunking import sentence_splitter

# Words that point back to an earlier question ("How long do I hold it?").
FOLLOW_UP = re.compile(r"\b(it|its|this|that|these|those|they|them|there|one|ones|other)\b|"
                       r"^\s*(and|also|so|then|what about|how about)\b", re.I)
WORD = re.compile(r"[^\W_]")
# How much the context (the story before the ask, the earlier question a follow-up refers to)
# counts, against the ask's own weight of 1: enough to say what "it" is, not to drown the ask.
CONTEXT_WEIGHT = 0.5
# A question with this few informative terms ("how many reps?") leans on the chat before it.
TERSE_TERMS = 2


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


def combine(ask_vector: np.ndarray, context_vector: np.ndarray | None) -> np.ndarray:
    """Return the vector a question is compared by: its ask's, plus its context's at CONTEXT_WEIGHT, normalised."""
    vector = ask_vector if context_vector is None else ask_vector + CONTEXT_WEIGHT * context_vector
    return vector / np.linalg.norm(vector)
