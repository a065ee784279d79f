"""Source text as shown to a reader: the source's own letters in its order, only spaces added.

Some articles run words together ("thefemoral nerveat", "Sometimes,lumbar"). The tokenizer already
splits such words for ranking; shown text splits them the same way, so passages, answers and their
highlights read as words. Nothing else changes: citations keep the source's character offsets.
"""
from __future__ import annotations

import re

from .text import WORD, Tokenizer, stopwords

# Punctuation the source left without its space: "Sometimes,lumbar", "the earls.Psoas". Only after a
# lowercase letter, so numbers (1,000; 2.5), initials (U.S.A.) and most abbreviations stay as they are.
MISSING_SPACE = re.compile(r"(?<=[a-z])[,;](?=[^\W\d_])|(?<=[a-z]{2})[.!?](?=[A-Z][a-z])")


def readable(text: str, tokenizer: Tokenizer) -> str:
    """Return source text for display: whitespace tidied, run-together words and sentences spaced apart."""
    text = MISSING_SPACE.sub(lambda match: match.group(0) + " ", " ".join(text.split()))
    return WORD.sub(lambda match: _spaced(match.group(0), tokenizer), text)


def _spaced(word: str, tokenizer: Tokenizer) -> str:
    """Return a word with spaces where the tokenizer splits it ("causehip" -> "cause hip"), else unchanged."""
    lower = word.lower()
    if len(lower) != len(word) or lower in stopwords() or tokenizer.is_known(lower):
        return word
    parts = tokenizer.repair(lower)  # a misspelling comes back corrected, as one word: shown as written
    if len(parts) < 2 or "".join(parts) != lower or not _vouched(parts, tokenizer):
        return word
    pieces, at = [], 0
    for part in parts:
        pieces.append(word[at:at + len(part)])  # the source's own letters, case kept
        at += len(part)
    return " ".join(pieces)


def _vouched(parts: list[str], tokenizer: Tokenizer) -> bool:
    """Tell whether a split is shown: two words run together (the usual missing space), or more parts that
    the articles each use on their own, so a Latin name ("multifidus") never shows as "multi fid us"."""
    return len(parts) == 2 or all(part in stopwords() or tokenizer.vocabulary.get(part, 0) >= 2 for part in parts)
