"""Cut a Document into passages: whole sentences, within one section, with offsets into the file.

Lines are first sorted into headings, article text and page furniture (navigation
lines, image captions and credits, bibliographies), which stays out of every passage.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer

from ..config import MAX_PASSAGE_CHARS, bundled_dir
from .corpus import Document

# Passages grow sentence by sentence up to this size: small enough for BM25 to tell
# passages apart, large enough to carry a sentence's context. Never over the maximum.
TARGET_PASSAGE_CHARS = 300

FURNITURE = re.compile(
    r"^(top of page|bottom of page|skip to (main )?content|back to top|advertisement|share this( article)?|"
    r"print|menu|search|sign in|log in|subscribe|read more|related articles?)$",
    re.I,
)
IMAGE_CREDIT = re.compile(
    r"^[\w.'’\- ]{1,40} / [\w.'’\- ]{1,40}$|\b(getty images|istock(photo)?|shutterstock|adobe stock|alamy|unsplash)\b",
    re.I,
)
# A line that is surely a reference: a DOI, "2009;17(4)", or a numbered, quoted title.
REFERENCE = re.compile(r"\bdoi[:.]|\b(19|20)\d\d;\s*\d+|^\d+\.\s+[\"“]")
# A line that may be a reference: the above, author initials, or "Title.Next" run together.
REFERENCE_LIKE = re.compile(
    REFERENCE.pattern + r"|^[A-Z][A-Za-z'\-]+,? (?:[A-Z]{1,2}[.,]\s?)+|\bet al\b|[a-z]\.[A-Z][a-z]|^\d+\.\s|https?://"
)
MAX_FURNITURE_CHARS = 300
BULLET = re.compile(r"^\s*([-*•·–]|\d+\))\s")
FIELD = re.compile(r"^[A-Z][A-Z ]{2,}:\s*\S")  # "ORIGIN: iliac fossa" is text, not a heading
SENTENCE_END = ".!;,\"”)"
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)[\s#]*$")  # "## Nerve supply ##"
MARKDOWN_SUFFIXES = (".md", ".markdown")
ABBREVIATIONS = {"e.g", "i.e", "etc", "dr", "vs", "approx", "fig", "mr", "mrs", "ms", "st", "no", "al"}


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences: `start`/`end` and each sentence's span are offsets into the document text."""

    section: str | None
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]


class _RememberingPunkt(PunktSentenceTokenizer):
    """nltk's Punkt, remembering its verdict on each candidate sentence end it has seen.

    Punkt decides each "word. Next" context from the context alone (and its fixed parameters),
    and contexts recur ("disease. The"): remembering them cut splitting MedQuAD's 21 MB by a third
    (64,205 distinct contexts of 144,515, 14 MB kept; the bound keeps it under about 25 MB).
    """

    @lru_cache(maxsize=100_000)
    def text_contains_sentbreak(self, text: str) -> bool:
        return super().text_contains_sentbreak(text)


@lru_cache(maxsize=1)
def sentence_splitter() -> PunktSentenceTokenizer:
    """Return nltk's Punkt trained on the bundled articles, so no nltk data download is needed."""
    corpus_dir = bundled_dir("corpus")
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(corpus_dir.glob("*.txt")))
    trainer = PunktTrainer()
    trainer.train(text, finalize=True)
    params = trainer.get_params()
    params.abbrev_types.update(ABBREVIATIONS)
    return _RememberingPunkt(params)


def classify_lines(text: str, start: int = 0, markdown: bool = False) -> list[tuple[str, int, int]]:
    """Return (kind, start, end) for each non-blank line from `start`: kind is heading, body or furniture.

    In Markdown, a "#" line is a heading whatever it looks like.
    """
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text[start:])]
    lines = [(s + start, e + start) for s, e in lines if text[s + start:e + start].strip()]
    kinds = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e].strip()
        short = len(line) <= MAX_FURNITURE_CHARS  # credits and references are short lines
        if markdown and MARKDOWN_HEADING.match(line):
            kinds.append("heading")
        elif FURNITURE.match(line) or short and (IMAGE_CREDIT.search(line) or REFERENCE.search(line)):
            kinds.append("furniture")
        elif i + 1 < len(lines) and IMAGE_CREDIT.search(text[slice(*lines[i + 1])]) and len(line) <= 100 \
                and line[-1] not in ".!?":
            kinds.append("furniture")  # an image caption: the line just above an image credit
        elif is_heading(line, text[slice(*lines[i + 1])].strip() if i + 1 < len(lines) else ""):
            kinds.append("heading")
        else:
            kinds.append("body")
    for i in bibliography_start(text, lines, kinds):
        kinds[i] = "furniture"
    return [(kind, s, e) for kind, (s, e) in zip(kinds, lines)]


def bibliography_start(text: str, lines: list[tuple[int, int]], kinds: list[str]) -> range:
    """Return the indexes of a trailing reference list: from a reference-like line in the second
    half of the document on, when most remaining lines look like references."""
    kept = [i for i, kind in enumerate(kinds) if kind != "furniture" or REFERENCE.search(text[slice(*lines[i])])]
    for position, i in enumerate(kept):
        line = text[slice(*lines[i])].strip()
        if i < len(lines) // 2 or len(line) > MAX_FURNITURE_CHARS or not REFERENCE_LIKE.search(line):
            continue
        rest = kept[position:]
        looks = sum(bool(REFERENCE_LIKE.search(text[slice(*lines[j])].strip())) for j in rest)
        if looks * 2 >= len(rest):
            return range(i, len(lines))
    return range(0)


def is_heading(line: str, next_line: str = "") -> bool:
    """Tell whether a line is a short, title-like section heading (`next_line` is the line after it)."""
    if len(line) > 100 or BULLET.match(line) or FIELD.match(line):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return False
    words = len(line.split())
    if line.endswith(":"):
        # "Reaching the psoas:" heads a section; "Some muscles include:" introduces a list.
        return words <= 16 and not BULLET.match(next_line)
    return line[-1] not in SENTENCE_END and words <= 16


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the sentence spans of text[start:end], breaking at blank lines and at line ends
    unless the next line goes on in lower case (a wrapped line)."""
    spans = []
    paragraph_breaks = re.finditer(r"\n\s*\n|\n(?=\s*[^\s\na-z])", text[start:end])
    cuts = [start] + [start + m.start() for m in paragraph_breaks] + [end]
    splitter = sentence_splitter()
    for a, b in zip(cuts, cuts[1:]):
        for s, e in splitter.span_tokenize(text[a:b]):
            spans.extend(split_long(text, a + s, a + e))
    return [trim(text, s, e) for s, e in spans if text[s:e].strip()]


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the span without the whitespace at its ends."""
    while text[start].isspace():
        start += 1
    while text[end - 1].isspace():
        end -= 1
    return start, end


def split_long(text: str, start: int, end: int, limit: int = MAX_PASSAGE_CHARS) -> list[tuple[int, int]]:
    """Cut a span longer than `limit` at the last clause break or space before the limit."""
    pieces = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind("; "), window.rfind(", "), window.rfind(" - "))
        if cut < limit // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut > 0 else limit
        pieces.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return [(s, e) for s, e in pieces if s < e]


def chunk(document: Document, target: int | None = None) -> list[Passage]:
    """Split a document into passages of whole sentences that never cross a section or furniture."""
    target = target or TARGET_PASSAGE_CHARS
    text = document.text
    passages: list[Passage] = []
    section = None
    run: list[tuple[int, int]] = []

    def flush():
        if run:
            passages.extend(pack(section, sentence_spans(text, run[0][0], run[-1][1]), target))
            run.clear()

    markdown = document.source.lower().endswith(MARKDOWN_SUFFIXES)
    for kind, start, end in classify_lines(text, document.body_start, markdown):
        if kind == "body":
            run.append((start, end))
            continue
        flush()
        if kind == "heading":
            section = section_name(text[start:end], markdown)
    flush()
    return passages


def section_name(line: str, markdown: bool = False) -> str:
    """Return the name of the section a heading line opens ("## Nerve supply ##" in Markdown: "Nerve supply")."""
    line = line.strip()
    heading = MARKDOWN_HEADING.match(line) if markdown else None
    return heading.group(1) if heading else line


def headings(document: Document) -> list[tuple[int, int, str]]:
    """Return the (start, end, section name) of each heading line of a document, as chunk() reads them."""
    markdown = document.source.lower().endswith(MARKDOWN_SUFFIXES)
    return [(start, end, section_name(document.text[start:end], markdown))
            for kind, start, end in classify_lines(document.text, document.body_start, markdown) if kind == "heading"]


def pack(section: str | None, sentences: list[tuple[int, int]], target: int) -> list[Passage]:
    """Return overlapping passages: one starting at each sentence, grown to about `target` characters.

    Overlap means every sentence is also seen with the sentences after it, so a fact
    split over two sentences is still found whole; answers drop overlapping repeats.
    """
    passages = []
    for i in range(len(sentences)):
        group = [sentences[i]]
        for j in range(i + 1, len(sentences)):  # not a slice: that would copy the rest for every i
            if sentences[j][1] - group[0][0] > MAX_PASSAGE_CHARS or group[-1][1] - group[0][0] >= target:
                break
            group.append(sentences[j])
        passages.append(Passage(section, group[0][0], group[-1][1], tuple(group)))
        if group[-1] == sentences[-1]:
            break  # later windows would be tails of this one
    return passages
