"""Build, save and load the BM25 index of a corpus's passages.

rank_bm25.BM25Okapi computes the statistics (idf, passage lengths); we keep them as
term -> passages postings so a question only touches the passages that share a term
with it. The scores are BM25Okapi.get_scores's, term for term.

On disk the index is one .npz file (numpy arrays, plus the metadata as JSON bytes):
no pickle, written to a temporary file and renamed over the old one, so a reader
never sees half an index and a failed build leaves the old one in place.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from rank_bm25 import BM25Okapi

from ..config import semantic_enabled
from ..errors import IndexUnavailable, NotWritten
from . import chunking
from .corpus import MANIFEST, Document, document_paths, load_corpus
from .display import readable
from .embeddings import DIMENSIONS
from .files import write_atomically
from .question import combine, split_ask
from .taught import TAUGHT_FILE, Taught, normalise, read_taught
from .text import SYNONYMS_FILE, Tokenizer, read_synonyms, words

FORMAT_VERSION = 6
# Spans of text an Index remembers as shown (shown_text); answers show a handful each.
MAX_SHOWN_SPANS = 50_000
BM25_K1 = 1.5
BM25_B = 0.3
Progress = Callable[..., Iterable]  # progress(items, label) yields the items, perhaps drawing a bar


def no_progress(items: Iterable, label: str = "") -> Iterable:
    """Yield the items, drawing nothing (the default Progress)."""
    return items


@dataclass
class BuildReport:
    """What a build did: documents added, updated, removed and unchanged since the previous index."""

    documents: int = 0
    passages: int = 0
    seconds: float = 0.0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    taught: int = 0  # taught questions anchored to a passage
    unanchored: list[Taught] = field(default_factory=list)  # taught questions whose quote no passage holds


class Index:
    """The searchable corpus: documents, passages with their sentences, and BM25 postings."""

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.meta = meta
        self.documents = [Document(**record) for record in meta["documents"]]
        self.taught = [Taught.from_dict(record) for record in meta["taught"]]
        self.sections: list[str] = meta["sections"]
        self.terms: list[str] = meta["terms"]
        self.term_ids = {term: i for i, term in enumerate(self.terms)}
        self.tokenizer = Tokenizer.from_dict(meta["tokenizer"])
        self.arrays = arrays
        for name, array in arrays.items():
            setattr(self, name, array)
        self.weights = self._term_weights()
        self._shown: dict[tuple[int, int, int], str] = {}

    # -- the fields every Index has, filled from `arrays` --
    passage_doc: np.ndarray
    passage_start: np.ndarray
    passage_end: np.ndarray
    passage_section: np.ndarray
    sentence_ptr: np.ndarray
    sentence_spans: np.ndarray
    term_ptr: np.ndarray
    posting_passage: np.ndarray
    span_sentence: np.ndarray
    sentence_term_ptr: np.ndarray
    sentence_term_ids: np.ndarray
    posting_tf: np.ndarray
    passage_len: np.ndarray
    idf: np.ndarray
    sentence_vectors: np.ndarray  # one L2-normalised row per distinct sentence; 0 rows when semantic is off
    passage_vectors: np.ndarray  # one per passage, its whole text embedded; likewise
    taught_vectors: np.ndarray  # one per taught question (ask and context, as a visitor's question is read)
    taught_text_vectors: np.ndarray  # one per distinct text of the taught questions (reused by the next build)
    taught_pair_taught: np.ndarray  # taught question -> passage pairs (a quote can sit in overlapping passages)
    taught_pair_passage: np.ndarray
    taught_pair_sentence: np.ndarray  # the sentence of the passage that holds the quote (0: its first)

    @property
    def semantic(self) -> bool:
        """Tell whether the index holds sentence vectors (it was built with the semantic half on)."""
        return self.meta.get("model") is not None

    @property
    def passage_count(self) -> int:
        return len(self.passage_doc)

    @cached_property
    def familiar_terms(self) -> frozenset[str]:
        """Return the terms of the articles and of the taught questions: the words the clinic's texts use."""
        taught = (term for t in self.taught if t.answered for text in (t.question, *t.history)
                  for term in self.tokenizer.tokenize(text))
        return frozenset(self.term_ids).union(taught)

    @cached_property
    def not_answered_vectors(self) -> np.ndarray:
        """Return the vectors of the questions taught as ones the articles do not answer (0 rows when none)."""
        rows = [i for i, t in enumerate(self.taught) if not t.answered]
        return self.taught_vectors[rows] if len(self.taught_vectors) else self.taught_vectors

    def _term_weights(self) -> np.ndarray:
        """Return each posting's BM25Okapi term score, the summand of get_scores."""
        k1, b, avgdl = self.meta["k1"], self.meta["b"], self.meta["avgdl"]
        tf = self.posting_tf.astype(np.float64)
        length = self.passage_len[self.posting_passage].astype(np.float64)
        idf = np.repeat(self.idf, np.diff(self.term_ptr))
        return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)))

    def scores(self, terms: list[str]) -> np.ndarray:
        """Return every passage's BM25Okapi score for the query terms (repeats count, as in get_scores)."""
        counts = self._term_counts(terms)
        if not counts:
            return np.zeros(self.passage_count)
        slices = [(self.term_ptr[term], self.term_ptr[term + 1], n) for term, n in counts.items()]
        passages = np.concatenate([self.posting_passage[a:b] for a, b, _ in slices])
        weights = np.concatenate([self.weights[a:b] if n == 1 else self.weights[a:b] * n for a, b, n in slices])
        return np.bincount(passages, weights=weights, minlength=self.passage_count)

    def top_of(self, scores: np.ndarray, k: int, positive: bool = False) -> tuple[list[int], list[float]]:
        """Return the k passages with the best scores (only positive ones if `positive`), best first
        (ties to the earlier passage), and their scores."""
        candidates = np.flatnonzero(scores >= _kth_best(scores, k)) if len(scores) > k else np.arange(len(scores))
        return _best(candidates, scores[candidates], k, positive)

    def _term_counts(self, terms: list[str]) -> dict[int, int]:
        """Return the ids of the terms the index knows, each with how often it is asked (first asked first)."""
        return Counter(self.term_ids[term] for term in terms if term in self.term_ids)

    def term_id_set(self, terms) -> frozenset[int]:
        """Return the ids of those of the terms the index knows."""
        return frozenset(self.term_ids[term] for term in terms if term in self.term_ids)

    def sentence_terms(self, passage: int) -> list[frozenset[int]]:
        """Return the term ids of each of a passage's sentences (kept at index time: answers pick a best sentence)."""
        sentences = self.span_sentence[self.sentence_ptr[passage]:self.sentence_ptr[passage + 1]]
        starts, ends = self.sentence_term_ptr[sentences].tolist(), self.sentence_term_ptr[sentences + 1].tolist()
        return [frozenset(self.sentence_term_ids[a:b].tolist()) for a, b in zip(starts, ends)]

    def passage_text(self, passage: int) -> str:
        """Return a passage's text as shown: the source between its offsets, made readable (shown_text)."""
        return self.shown_text(int(self.passage_doc[passage]), int(self.passage_start[passage]),
                               int(self.passage_end[passage]))

    def shown_text(self, document: int, start: int, end: int) -> str:
        """Return a document's text between two offsets as shown: display.readable, remembered per span."""
        key = (document, start, end)
        shown = self._shown.get(key)
        if shown is None:
            if len(self._shown) >= MAX_SHOWN_SPANS:
                self._shown.clear()  # answers show a few spans each; a big corpus must not fill memory
            shown = self._shown[key] = readable(self.documents[document].text[start:end], self.tokenizer)
        return shown

    def source_text(self, passage: int) -> str:
        """Return a passage's source text, whitespace tidied: what its vector was embedded from."""
        document = self.documents[self.passage_doc[passage]]
        return " ".join(document.text[self.passage_start[passage]:self.passage_end[passage]].split())

    def passage_id(self, passage: int) -> str:
        """Return a passage's id as the result object gives it: "file.txt:start-end"."""
        document = self.documents[self.passage_doc[passage]]
        return f"{document.source}:{self.passage_start[passage]}-{self.passage_end[passage]}"

    def passage_sentences(self, passage: int) -> list[tuple[int, int]]:
        """Return the (start, end) offsets of a passage's sentences."""
        a, b = self.sentence_ptr[passage], self.sentence_ptr[passage + 1]
        return [tuple(span) for span in self.sentence_spans[a:b].tolist()]

    def section(self, passage: int) -> str | None:
        """Return a passage's section heading, or None before the first heading."""
        i = int(self.passage_section[passage])
        return self.sections[i] if i >= 0 else None


def unanchored(index: Index) -> list[Taught]:
    """Return the index's taught questions whose quote no passage holds (not those taught as not answered)."""
    anchored = set(index.taught_pair_taught.tolist())
    return [t for i, t in enumerate(index.taught) if t.answered and i not in anchored]


def taught_listing(index: Index) -> list[dict]:
    """Return each taught question as JSON: its id, wording, anchor (none when it is taught as not answered) and the
    ids of the passages it is attached to."""
    passages: dict[int, list[str]] = {}
    for t, p in zip(index.taught_pair_taught.tolist(), index.taught_pair_passage.tolist()):
        passages.setdefault(t, []).append(index.passage_id(p))
    return [{"id": t.id, "question": t.question, "history": list(t.history), "source": t.source or None,
             "quote": t.quote or None, "not_answered": not t.answered, "passages": passages.get(i, [])}
            for i, t in enumerate(index.taught)]


# The code and data that decide how text becomes terms: when they change (a new version), old indexes are rebuilt.
ENGINE_FILES = ("corpus.py", "chunking.py", "text.py", "index.py", "question.py", "taught.py", "stopwords.txt", "irregular.txt")


@lru_cache(maxsize=1)
def engine_signature() -> str:
    """Return a hash of the indexing code and data, so an index built by another version is not reused."""
    digest = hashlib.sha256(f"format {FORMAT_VERSION}".encode())
    for name in ENGINE_FILES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def model_id() -> str | None:
    """Return the identity of the model that embeds sentences, None when the semantic half is off."""
    if not semantic_enabled():
        return None
    from .embeddings import MODEL_ID
    return MODEL_ID


def corpus_fingerprint(corpus_dir: Path) -> str:
    """Return a hash of everything an index depends on: documents, manifest, synonyms, the indexing code."""
    digest = hashlib.sha256(f"{engine_signature()} {model_id()}".encode())
    paths = document_paths(corpus_dir) + [Path(corpus_dir) / name for name in (MANIFEST, SYNONYMS_FILE, TAUGHT_FILE)]
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def corpus_listing(corpus_dir: Path) -> list[tuple] | None:
    """Return the name, size, modification time and inode of each file in the corpus folder (None if unreadable).

    One listing of the folder: a cheap way to see that something may have changed, where the
    fingerprint reads every file. It covers more than the fingerprint does, never less.
    """
    try:
        with os.scandir(corpus_dir) as entries:
            return sorted((entry.name, info.st_size, info.st_mtime_ns, info.st_ino) for entry in entries
                          if not entry.name.startswith(".") and entry.is_file() for info in [entry.stat()])
    except OSError:  # the folder is gone, or a file went while it was listed: the next listing differs
        return None


def build(corpus_dir: Path, previous: Index | None = None, progress: Progress = no_progress,
          full: bool = False) -> tuple[Index, BuildReport]:
    """Build the index of a corpus folder, re-chunking only documents that changed since `previous` (all if `full`).

    Raises CorpusNotFound, BadDocument, BadSynonyms or BadTaught when the corpus cannot be read.
    """
    fingerprint = corpus_fingerprint(corpus_dir)
    return build_from_documents(load_corpus(corpus_dir), read_synonyms(corpus_dir), previous, progress,
                                fingerprint=fingerprint, corpus_dir=str(corpus_dir), full=full,
                                taught=read_taught(corpus_dir))


def build_from_documents(documents: list[Document], synonyms: dict | None = None, previous: Index | None = None,
                         progress: Progress = no_progress, fingerprint: str = "", corpus_dir: str = "",
                         full: bool = False, taught: list[Taught] = ()) -> tuple[Index, BuildReport]:
    """Build an index of documents already read (benchmarks use this to index other collections).

    The report compares with `previous`; its work is reused unless `full`.
    """
    started = time.perf_counter()
    old = {d.source: (i, d) for i, d in enumerate(previous.documents)} if previous else {}
    if full or previous is not None and previous.meta.get("engine") != engine_signature():
        previous = None  # asked for, or chunked by another version: nothing is reused
    report = BuildReport(removed=sorted(set(old) - {d.source for d in documents}))
    passages: list[tuple[int, chunking.Passage]] = []
    for doc_id, document in enumerate(progress(documents)):
        before = old.get(document.source)
        same = before is not None and before[1].sha256 == document.sha256
        if same:
            report.unchanged.append(document.source)
        else:
            (report.updated if before else report.added).append(document.source)
        kept = _passages_of(previous, before[0]) if same and previous is not None else chunking.chunk(document)
        passages.extend((doc_id, p) for p in kept)
    reusable = previous is not None and previous.semantic and previous.meta.get("model") == model_id()
    vectors = known_vectors(previous) if reusable else {}
    index = _assemble(documents, passages, synonyms or {}, fingerprint, corpus_dir, vectors, progress, list(taught))
    report.documents, report.passages = len(documents), index.passage_count
    report.unanchored = unanchored(index)
    report.taught = len(index.taught) - len(report.unanchored)
    report.seconds = time.perf_counter() - started
    return index, report


def _passages_of(index: Index, doc_id: int) -> list[chunking.Passage]:
    """Return the passages an index holds for one of its documents."""
    found = np.flatnonzero(index.passage_doc == doc_id)
    return [chunking.Passage(index.section(p), int(index.passage_start[p]), int(index.passage_end[p]),
                             tuple(index.passage_sentences(p))) for p in found]


def known_vectors(index: Index) -> dict[str, np.ndarray]:
    """Return the vectors an index holds, by text (whitespace tidied): a vector depends on its text alone."""
    found = {}
    for p in range(index.passage_count):
        found[index.source_text(p)] = index.passage_vectors[p]
        text = index.documents[index.passage_doc[p]].text
        slots = range(index.sentence_ptr[p], index.sentence_ptr[p + 1])
        for (start, end), sentence in zip(index.sentence_spans[slots].tolist(), index.span_sentence[slots].tolist()):
            found[" ".join(text[start:end].split())] = index.sentence_vectors[sentence]
    found.update(zip(index.meta.get("taught_texts", []), index.taught_text_vectors))
    return found


def _embed_texts(texts: list[str], known: dict[str, np.ndarray], progress: Progress) -> np.ndarray:
    """Return a vector for each text: sentences, passages and taught questions alike.

    Texts `known` (from the previous index) are not embedded again, and each new text is embedded once.
    """
    from .embeddings import embedder

    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing: dict[str, list[int]] = {}  # text -> the rows that need its vector
    for row, text in enumerate(texts):
        vector = known.get(text)
        if vector is None:
            missing.setdefault(text, []).append(row)
        else:
            vectors[row] = vector
    if missing:
        embedded = embedder().embed_many(list(missing), progress)
        for vector, rows in zip(embedded, missing.values()):
            vectors[rows] = vector
    return vectors


def _assemble(documents: list[Document], passages: list[tuple[int, chunking.Passage]],
              synonyms: dict, fingerprint: str, corpus_dir: str,
              vectors_by_text: dict | None = None, progress: Progress = no_progress,
              taught: list[Taught] = ()) -> Index:
    """Tokenize the passages, let BM25Okapi compute the statistics, and pack it all into an Index.

    A passage's terms are its document title's and section heading's (what it is about: later
    passages seldom name it again) and its sentences'.
    Overlapping passages share sentences, so each sentence is split and tokenized once.
    """
    sentence_words: dict[tuple[int, int, int], list[str]] = {}
    for d, passage in passages:
        text = documents[d].text
        for start, end in passage.sentences:
            if (d, start, end) not in sentence_words:
                sentence_words[(d, start, end)] = words(text[start:end])
    heading_words = {section: words(section) for section in {p.section for _, p in passages} if section}
    title_words = {d: document_title_words(documents[d]) for d in {d for d, _ in passages}}
    # chain keeps the counting loop in C.
    vocabulary = Counter(chain.from_iterable(sentence_words.values()))
    vocabulary.update(chain.from_iterable(heading_words.values()))
    vocabulary.update(chain.from_iterable(title_words.values()))
    tokenizer = Tokenizer(dict(vocabulary), synonyms)
    # Replace each sentence's words by its terms in place, so both never fill memory at once.
    sentence_terms = sentence_words
    for key, value in sentence_terms.items():
        sentence_terms[key] = tokenizer.terms_of_words(value)
    heading_terms = {key: tokenizer.terms_of_words(value) for key, value in heading_words.items()}
    title_terms = {key: tokenizer.terms_of_words(value) for key, value in title_words.items()}
    # chain joins each passage's lists in C: passages hold millions of terms in all.
    token_lists = [list(chain(title_terms[d], heading_terms.get(p.section, ()),
                              *(sentence_terms[(d, start, end)] for start, end in p.sentences)))
                   for d, p in passages]
    number = {key: i for i, key in enumerate(sentence_terms)}
    pairs = anchor(documents, passages, taught)
    vectors = taught_texts = None
    if model_id():
        spans = list(sentence_terms) + [(d, p.start, p.end) for d, p in passages]
        asks = [split_ask(t.question, list(t.history), tokenizer) for t in taught]
        taught_texts = list(dict.fromkeys(tokenizer.spelled(text) for pair in asks for text in pair if text))
        vectors = _embed_texts([" ".join(documents[d].text[a:b].split()) for d, a, b in spans] + taught_texts,
                               vectors_by_text or {}, progress)
        text_vectors = dict(zip(taught_texts, vectors[len(spans):]))
        taught_vectors = [combine(text_vectors[tokenizer.spelled(ask)],
                                  text_vectors[tokenizer.spelled(context)] if context else None)
                          for ask, context in asks]
        vectors = np.concatenate([vectors, np.array(taught_vectors, np.float32).reshape(-1, DIMENSIONS)])
    return _pack(documents, passages, token_lists, tokenizer, fingerprint, corpus_dir, list(sentence_terms.values()),
                 [number[(d, start, end)] for d, p in passages for start, end in p.sentences], vectors,
                 taught, pairs, taught_texts)


def anchor(documents: list[Document], passages: list[tuple[int, chunking.Passage]],
           taught: list[Taught]) -> list[tuple[int, int, int]]:
    """Return (taught question, passage, sentence) triples: each taught question with the passages of its source
    that hold its quote (compared lowercased, letters and digits only) and which of the passage's sentences holds
    the middle of the quote: the sentence that answers. A question whose quote no passage holds has none."""
    doc_ids = {document.source: d for d, document in enumerate(documents)}
    wanted = {doc_ids[t.source] for t in taught if t.source in doc_ids}
    by_doc: dict[int, list[tuple[int, list[str]]]] = {}
    for p, (d, passage) in enumerate(passages):
        if d in wanted:
            by_doc.setdefault(d, []).append((p, [normalise(documents[d].text[a:b]) for a, b in passage.sentences]))
    triples = []
    for t, item in enumerate(taught):
        quote = normalise(item.quote)
        for p, sentences in by_doc.get(doc_ids.get(item.source, -1), ()):
            at = "".join(sentences).find(quote)
            if at >= 0:
                ends = np.cumsum([len(sentence) for sentence in sentences])
                triples.append((t, p, int(np.searchsorted(ends, at + len(quote) // 2, side="right"))))
    return triples


def document_title_words(document: Document) -> list[str]:
    """Return the words of a document's title, which count in each of its passages' BM25 terms."""
    return words(document.title or "")


def from_token_lists(token_lists: list[list[str]]) -> Index:
    """Return an Index of passages already tokenized, one empty document each (for checking the scores)."""
    documents = [Document(source=f"{i}.txt", title="", text="", sha256="") for i in range(len(token_lists))]
    passages = [(i, chunking.Passage(None, 0, 0, ())) for i in range(len(token_lists))]
    return _pack(documents, passages, token_lists, Tokenizer({}), "", "")


def _pack(documents: list[Document], passages: list[tuple[int, chunking.Passage]], token_lists: list[list[str]],
          tokenizer: Tokenizer, fingerprint: str, corpus_dir: str, sentence_terms: list[list[str]] = (),
          span_sentences: list[int] = (), vectors: np.ndarray | None = None, taught: list[Taught] = (),
          pairs: list[tuple[int, int, int]] = (), taught_texts: list[str] | None = None) -> Index:
    """Let BM25Okapi compute the statistics of the tokenized passages and pack them, with the passages, into an Index.

    sentence_terms holds the terms of each distinct sentence; span_sentences, for each
    passage's sentences in turn, which of those it is (overlapping passages share sentences).
    `vectors` holds the sentences', the passages', the taught texts' and the taught questions' vectors, in that order.
    """
    if not any(token_lists):
        token_lists = [["\0"] for _ in token_lists] or [["\0"]]  # BM25Okapi cannot divide by an empty corpus
    bm25 = BM25Okapi(token_lists, k1=BM25_K1, b=BM25_B)
    terms = sorted(bm25.idf)
    term_ids = {t: i for i, t in enumerate(terms)}
    # Flatten the passages' {term: tf} dicts with C-level iterators rather than a Python loop per
    # passage: at a million passages the loop and its lists of Python ints cost seconds and gigabytes.
    freqs = bm25.doc_freqs
    distinct = np.fromiter(map(len, freqs), dtype=np.int64, count=len(freqs))
    total = int(distinct.sum())
    term_column = np.fromiter(map(term_ids.__getitem__, chain.from_iterable(freqs)), dtype=np.int32, count=total)
    tf_column = np.fromiter(chain.from_iterable(map(dict.values, freqs)), dtype=np.int32, count=total)
    order = np.argsort(term_column, kind="stable")  # by term, then by passage
    passage_column = np.repeat(np.arange(len(freqs), dtype=np.int32), distinct)
    term_ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_column, minlength=len(terms)), out=term_ptr[1:])
    sections = sorted({p.section for _, p in passages if p.section})
    section_ids = {s: i for i, s in enumerate(sections)}
    spans = [span for _, p in passages for span in p.sentences]
    sentence_term_ptr = np.zeros(len(sentence_terms) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, sentence_terms), dtype=np.int64, count=len(sentence_terms)), out=sentence_term_ptr[1:])
    sentence_term_ids = np.fromiter(map(term_ids.__getitem__, chain.from_iterable(sentence_terms)), dtype=np.int32,
                                    count=int(sentence_term_ptr[-1]))
    arrays = {
        "passage_doc": np.array([d for d, _ in passages], dtype=np.int32),
        "passage_start": np.array([p.start for _, p in passages], dtype=np.int64),
        "passage_end": np.array([p.end for _, p in passages], dtype=np.int64),
        "passage_section": np.array([section_ids.get(p.section, -1) for _, p in passages], dtype=np.int32),
        "sentence_ptr": np.cumsum([0] + [len(p.sentences) for _, p in passages]).astype(np.int64),
        "sentence_spans": np.array(spans, dtype=np.int64).reshape(-1, 2),
        "term_ptr": term_ptr,
        "posting_passage": passage_column[order],
        "posting_tf": tf_column[order],
        "span_sentence": np.array(span_sentences, dtype=np.int32).reshape(-1),  # each sentence_spans row's sentence
        "sentence_term_ptr": sentence_term_ptr,  # the terms of each distinct sentence, repeats included
        "sentence_term_ids": sentence_term_ids,
        "passage_len": np.array(bm25.doc_len, dtype=np.int32),
        "idf": np.array([bm25.idf[t] for t in terms], dtype=np.float64),
        **_split_vectors(vectors, [len(sentence_terms), len(passages), len(taught_texts or ()), len(taught)]),
        "taught_pair_taught": np.array([t for t, _, _ in pairs], dtype=np.int32),
        "taught_pair_passage": np.array([p for _, p, _ in pairs], dtype=np.int32),
        "taught_pair_sentence": np.array([i for _, _, i in pairs], dtype=np.int32),  # which of its sentences
    }
    meta = {
        "format": FORMAT_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus_dir": corpus_dir,
        "fingerprint": fingerprint,
        "engine": engine_signature(),
        "model": model_id() if vectors is not None else None,
        "k1": bm25.k1, "b": bm25.b, "avgdl": bm25.avgdl,
        "documents": [document.__dict__ for document in documents],
        "sections": sections,
        "terms": terms,
        "tokenizer": tokenizer.to_dict(),
        "taught": [t.to_dict() for t in taught],
        "taught_texts": taught_texts or [],
    }
    return Index(meta, arrays)


def _split_vectors(vectors: np.ndarray | None, counts: list[int]) -> dict[str, np.ndarray]:
    """Return the stacked vectors as the index's named arrays (empty ones when the semantic half is off)."""
    names = ["sentence_vectors", "passage_vectors", "taught_text_vectors", "taught_vectors"]
    if vectors is None:
        return {name: np.zeros((0, 0), np.float32) for name in names}
    bounds = np.cumsum([0, *counts])
    return {name: vectors[a:b] for name, a, b in zip(names, bounds[:-1], bounds[1:])}


def _kth_best(values: np.ndarray, k: int) -> float:
    """Return the k-th largest of the values (k at most their number)."""
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _best(passages: np.ndarray, values: np.ndarray, k: int, positive: bool = True) -> tuple[list[int], list[float]]:
    """Return the k passages (given in order) with the best (positive, if asked) values, best first, and their values.

    Of passages tied with the k-th best, the earliest make up the k.
    """
    if positive:
        kept = values > 0
        passages, values = passages[kept], values[kept]
    if len(passages) > k:
        kth = _kth_best(values, k)
        above, tied = np.flatnonzero(values > kth), np.flatnonzero(values == kth)
        keep = np.concatenate([above, tied[:k - len(above)]])
        passages, values = passages[keep], values[keep]
    ranked = sorted(zip((-values).tolist(), passages.tolist()))
    return [p for _, p in ranked], [-v for v, _ in ranked]


def save(index: Index, path: Path) -> None:
    """Write the index to `path` atomically: a temporary file in the same folder, then a rename.

    Raises NotWritten (a full disk...); the file at `path` is then as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = np.frombuffer(json.dumps(index.meta).encode("utf-8"), dtype=np.uint8)
    try:
        write_atomically(path, lambda file: np.savez(file, meta=meta, **index.arrays))
    except OSError as error:
        raise NotWritten(f"the reindex failed: could not write the index file '{path}' ({error.strerror or error})"
                         ) from error


def load(path: Path) -> Index:
    """Read an index saved by save().

    Raises IndexUnavailable if the file is missing, unreadable or of another format.
    """
    path = Path(path)
    if not path.is_file():
        raise IndexUnavailable(f"index file '{path}' does not exist; run `assistant reindex` to build it")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays.pop("meta").tobytes())
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {meta.get('format')}, expected {FORMAT_VERSION}")
        index = Index(meta, arrays)
        if index.semantic and (index.sentence_vectors.shape != (len(index.sentence_term_ptr) - 1, DIMENSIONS)
                               or index.passage_vectors.shape != (index.passage_count, DIMENSIONS)
                               or index.taught_vectors.shape != (len(index.taught), DIMENSIONS)):
            raise ValueError("its vectors do not match its sentences and passages")
        return index
    except Exception as error:  # noqa: BLE001 - whatever is wrong with the file, it is rebuilt, never a 500
        raise IndexUnavailable(
            f"index file '{path}' is unreadable ({error}); run `assistant reindex` to rebuild it"
        ) from None


def load_or_build(corpus_dir: Path, path: Path, progress: Progress = no_progress) -> tuple[Index, BuildReport | None]:
    """Return the saved index if it matches the corpus; otherwise build, save and return a new one.

    The report is None when the saved index was current.
    Raises CorpusNotFound, BadDocument or BadSynonyms when a needed rebuild cannot read the corpus.
    """
    try:
        index = load(path)
    except IndexUnavailable:
        index = None
    if index is not None and index.meta["fingerprint"] == corpus_fingerprint(corpus_dir):
        return index, None
    index, report = build(corpus_dir, previous=index, progress=progress)
    save(index, path)
    return index, report


def reindex(corpus_dir: Path, path: Path, progress: Progress = no_progress, full: bool = False) -> BuildReport:
    """Rebuild the index of a corpus (incrementally unless `full`) and save it atomically.

    Raises CorpusNotFound, BadDocument or BadSynonyms; the old index file is then untouched.
    """
    try:
        previous = load(path)  # read even when `full`: the report says what changed since
    except IndexUnavailable:
        previous = None
    index, report = build(corpus_dir, previous=previous, progress=progress, full=full)
    save(index, path)
    return report
