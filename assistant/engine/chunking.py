"""Cut a Document into passages: whole sentences, within one section, with offsets into the file.

Lines are first sorted into headings, article text and page furniture (navigation
lines, image captions and credits, bibliographies), which stays out of every passage.
A list stays whole with its introduction, and a table's rows with the short heading that
names their subject, wherever they fit in one passage.
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
# "Example of toe raises strengthening exercise- engaging the core and the psoas:" names the
# picture below it (gone from the text), not a section: its words belong in a passage.
CAPTION = re.compile(r"^(an? )?(example|figure|fig\.|image|photo|picture|illustration|diagram|video)\b", re.I)
# A heading this short over a table's rows ("3. Iliacus:" over "ORIGIN: iliac fossa") is the
# rows' subject: it is kept in their passage's text, or nothing there would name the muscle.
MAX_TABLE_HEADING_CHARS = 60
LETTER = re.compile(r"[^\W\d_]")
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


def classify_lines(text: str, start: int = 0, markdown: bool = False, title: str = "") -> list[tuple[str, int, int]]:
    """Return (kind, start, end) for each non-blank line from `start`: kind is heading, body or furniture.

    In Markdown, a "#" line is a heading whatever it looks like; a first line that is the document's
    `title` (and not a sentence) is a heading too, not text of the first passage.
    """
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text[start:])]
    lines = [(s + start, e + start) for s, e in lines if text[s + start:e + start].strip()]
    kinds = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e].strip()
        short = len(line) <= MAX_FURNITURE_CHARS  # credits and references are short lines
        if markdown and MARKDOWN_HEADING.match(line) or i == 0 and is_title(line, title):
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


def is_title(line: str, title: str) -> bool:
    """Tell whether a document's first line is its title line: the same words, not ending as a sentence does."""
    return bool(title) and line.split() == title.split() and line[-1] not in ".!?"


def is_heading(line: str, next_line: str = "") -> bool:
    """Tell whether a line is a short, title-like section heading (`next_line` is the line after it)."""
    if len(line) > 100 or BULLET.match(line) or FIELD.match(line):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return False
    words = len(line.split())
    if line.endswith(":"):
        # "Reaching the psoas:" heads a section; "Some muscles include:" introduces a list.
        return words <= 16 and not BULLET.match(next_line) and not CAPTION.match(line)
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
    return join_letterless(text, [trim(text, s, e) for s, e in spans if text[s:e].strip()])


def join_letterless(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join each span without a letter to its neighbour on the same line: Punkt leaves the second "!"
    of "afterwards!!" and the "1." of "1. Psoas Major" as sentences of their own."""
    joined: list[tuple[int, int]] = []
    for s, e in spans:
        if joined and not LETTER.search(text[s:e]) and same_line(text, joined[-1], (s, e)):
            joined[-1] = (joined[-1][0], e)  # "!" after "afterwards!"
        elif joined and not LETTER.search(text[slice(*joined[-1])]) and same_line(text, joined[-1], (s, e)):
            joined[-1] = (joined[-1][0], e)  # "1." before "Psoas Major"
        else:
            joined.append((s, e))
    return joined


def same_line(text: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Tell whether two spans, one after the other, could be one sentence: on one line, within the maximum."""
    return "\n" not in text[first[1]:second[0]] and second[1] - first[0] <= MAX_PASSAGE_CHARS


def join_unfinished_end(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a document's unfinished last sentence (no closing punctuation: the text was cut off)
    to the one before, so that a fragment is never an answer of its own."""
    if len(sentences) < 2:
        return sentences
    (start, _), (last_start, end) = sentences[-2:]
    last = text[last_start:end]
    if not last[-1].isalnum() or is_item(last) or end - start > MAX_PASSAGE_CHARS:
        return sentences
    return sentences[:-2] + [(start, end)]


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
    run: list[tuple[int, int]] = []  # the body lines since the last heading or furniture
    table_heading = -1  # where the run starts with a table's heading line, kept as its subject

    markdown = document.source.lower().endswith(MARKDOWN_SUFFIXES)
    lines = classify_lines(text, document.body_start, markdown, document.title)
    body_end = max((end for kind, _, end in lines if kind == "body"), default=-1)

    def flush():
        if run:
            sentences = sentence_spans(text, run[0][0], run[-1][1])
            if run[-1][1] == body_end:
                sentences = join_unfinished_end(text, sentences)
            items = {s + len(text[s:e]) - len(text[s:e].lstrip()) for s, e in run if is_item(text[s:e])}
            passages.extend(pack(section, list_units(text, sentences, items, table_heading), target))
            run.clear()

    for i, (kind, start, end) in enumerate(lines):
        if kind == "body":
            run.append((start, end))
            continue
        flush()
        table_heading = -1
        if kind == "heading":
            section = section_name(text[start:end], markdown)
            following = lines[i + 1] if i + 1 < len(lines) else None
            if end - start <= MAX_TABLE_HEADING_CHARS and following and following[0] == "body" \
                    and FIELD.match(text[following[1]:following[2]].strip()):
                run.append((start, end))
                table_heading = start
    flush()
    return passages


def is_item(line: str) -> bool:
    """Tell whether a line is a list item ("• hip pain") or a table row ("ORIGIN: iliac fossa")."""
    return bool(BULLET.match(line) or FIELD.match(line.strip()))


def list_units(text: str, sentences: list[tuple[int, int]], items: set[int], table_heading: int = -1) -> list[list]:
    """Group sentences into the units passages are made of: a list with its introduction (the
    sentence ending in ":" before it, or the table's heading) where it fits in a passage; else one sentence each.

    `items` holds where each list item or table row starts.
    """
    grouped: list[list[tuple[int, int]]] = []
    i = 0
    while i < len(sentences):
        if sentences[i][0] not in items:
            grouped.append([sentences[i]])
            i += 1
            continue
        j = i + 1  # the list goes on while sentences start an item or go on on an item's line
        while j < len(sentences) and (sentences[j][0] in items or "\n" not in text[sentences[j - 1][1]:sentences[j][0]]):
            j += 1
        first = i
        if i and grouped[-1] == [sentences[i - 1]]:
            before = sentences[i - 1]
            if text[before[1] - 1] == ":" or before[0] == table_heading:
                first = i - 1
        if sentences[j - 1][1] - sentences[first][0] <= MAX_PASSAGE_CHARS:
            del grouped[len(grouped) - (i - first):]
            grouped.append(sentences[first:j])
        else:
            grouped.extend([sentence] for sentence in sentences[i:j])
        i = j
    return grouped


def section_name(line: str, markdown: bool = False) -> str:
    """Return the name of the section a heading line opens ("## Nerve supply ##" in Markdown: "Nerve supply")."""
    line = line.strip()
    heading = MARKDOWN_HEADING.match(line) if markdown else None
    return heading.group(1) if heading else line


def headings(document: Document) -> list[tuple[int, int, str]]:
    """Return the (start, end, section name) of each heading line of a document, as chunk() reads them."""
    markdown = document.source.lower().endswith(MARKDOWN_SUFFIXES)
    return [(start, end, section_name(document.text[start:end], markdown))
            for kind, start, end in classify_lines(document.text, document.body_start, markdown, document.title)
            if kind == "heading"]


def pack(section: str | None, units: list[list[tuple[int, int]]], target: int) -> list[Passage]:
    """Return overlapping passages: one starting at each unit (see list_units()), grown to about `target` characters.

    Overlap means every sentence is also seen with the sentences after it, so a fact
    split over two sentences is still found whole; answers drop overlapping repeats.
    A list only ever starts a passage, so that its items are not repeated in window after window.
    """
    passages = []
    i = 0
    while i < len(units):
        group, j = list(units[i]), i + 1
        while j < len(units) and len(units[j]) == 1 and units[j][-1][1] - group[0][0] <= MAX_PASSAGE_CHARS \
                and group[-1][1] - group[0][0] < target:
            group.extend(units[j])
            j += 1
        passages.append(Passage(section, group[0][0], group[-1][1], tuple(group)))
        # Up to a list or the end, the windows that start later would be tails of this one.
        i = j if j == len(units) or len(units[j]) > 1 else i + 1
    return passages
