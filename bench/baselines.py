"""The engines compared: ours through the product's own path, and two baselines written the
way each library's README shows. Each builds from the raw answer texts and returns, for a
question, up to k document ids (positive scores only), best first.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

import numpy as np

# How many passages ours ranks to fill ten distinct documents (a document's rank is its best passage's).
PASSAGES = 100


class Ours:
    """The product, hybrid: parse_document -> chunking -> Tokenizer + embeddings -> index, then answer.rank."""

    name = "ours"
    semantic = "true"

    def build(self, texts: list[str], titles: list[str]) -> dict:
        """Index the texts; return the seconds spent in each stage of the build."""
        import os

        from assistant.engine.corpus import parse_document

        os.environ["ASSISTANT_SEMANTIC"] = self.semantic  # each engine runs in a subprocess of its own
        from assistant.engine.index import build_from_documents

        started = time.perf_counter()
        names = [f"{i:07d}.txt" for i in range(len(texts))]
        manifest = {name: {"title": title} for name, title in zip(names, titles) if title}
        documents = [parse_document(name, text.encode("utf-8"), manifest) for name, text in zip(names, texts)]
        parsed = time.perf_counter()
        with _stage_clock() as stages:
            self.index, _ = build_from_documents(documents)
        stages["ingest"] = parsed - started
        return stages

    def search(self, question: str, k: int = 10) -> list[int]:
        """Return the documents of the best passages, each at its best passage's place."""
        from assistant.engine.answer import rank

        passages = rank(self.index, question, [], PASSAGES).passages
        return list(dict.fromkeys(self.index.passage_doc[passages].tolist()))[:k]

    def answer(self, question: str) -> dict:
        """Return the product's full answer (best sentence, citations), as /api/answer does."""
        from assistant.engine.answer import answer

        return answer(self.index, question)

    @property
    def units(self) -> int:
        """Return how many passages were indexed."""
        return self.index.passage_count


class OursBM25(Ours):
    """The product with the semantic half off (ASSISTANT_SEMANTIC=false): BM25 alone."""

    name = "ours-bm25"
    semantic = "false"


@contextmanager
def _stage_clock():
    """Time the stages of build_from_documents by wrapping the functions it calls.

    chunking: chunking.chunk; embedding: index._embed_texts; tokenizing: the rest of _assemble up to
    BM25Okapi (vocabulary, Tokenizer); statistics: BM25Okapi and packing the postings.
    The wrappers cost a call each, under 0.1 s.
    """
    from assistant.engine import chunking, index

    stages = {"chunking": 0.0, "embedding": 0.0, "tokenizing": 0.0, "statistics": 0.0}
    marks = {}
    chunk, assemble, bm25, embed = chunking.chunk, index._assemble, index.BM25Okapi, index._embed_texts

    def timed_chunk(*args, **kwargs):
        t = time.perf_counter()
        try:
            return chunk(*args, **kwargs)
        finally:
            stages["chunking"] += time.perf_counter() - t

    def timed_assemble(*args, **kwargs):
        marks.clear()
        marks["assemble"] = time.perf_counter()
        try:
            return assemble(*args, **kwargs)
        finally:
            stages["statistics"] += time.perf_counter() - marks.get("bm25", marks["assemble"])

    def timed_bm25(*args, **kwargs):
        marks["bm25"] = time.perf_counter()
        stages["tokenizing"] += marks["bm25"] - marks["assemble"] - stages["embedding"]
        return bm25(*args, **kwargs)

    def timed_embed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return embed(*args, **kwargs)
        finally:
            stages["embedding"] += time.perf_counter() - t

    chunking.chunk, index._assemble, index.BM25Okapi, index._embed_texts = (timed_chunk, timed_assemble, timed_bm25,
                                                                             timed_embed)
    try:
        yield stages
    finally:
        chunking.chunk, index._assemble, index.BM25Okapi, index._embed_texts = chunk, assemble, bm25, embed


WORD = re.compile(r"\w+")


def lowercase_words(text: str) -> list[str]:
    """Return a text's lowercase word tokens, all a plain rank-bm25 user would do."""
    return WORD.findall(text.lower())


class RankBM25:
    """rank_bm25.BM25Okapi over lowercase word tokens, every document scored by get_scores."""

    name = "rank-bm25"

    def build(self, texts: list[str], titles: list[str]) -> dict:
        """Tokenize every text and let BM25Okapi count them."""
        from rank_bm25 import BM25Okapi

        self.bm25 = BM25Okapi([lowercase_words(text) for text in texts])
        return {}

    def search(self, question: str, k: int = 10) -> list[int]:
        """Score every document with get_scores and return the k best."""
        scores = self.bm25.get_scores(lowercase_words(question))
        top = np.argsort(-scores)[:k]
        return top[scores[top] > 0].tolist()

    @property
    def units(self) -> int:
        """Return how many documents were indexed."""
        return self.bm25.corpus_size


class BM25S:
    """bm25s with its English stopwords and PyStemmer's English stemmer, as its README shows."""

    name = "bm25s"

    def build(self, texts: list[str], titles: list[str]) -> dict:
        """Tokenize (stopwords, stems) and index every text."""
        import bm25s
        import Stemmer

        self.bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)
        self.size = len(texts)
        return {}

    def search(self, question: str, k: int = 10) -> list[int]:
        """Tokenize the question the same way and retrieve the k best documents."""
        tokens = self.bm25s.tokenize(question, stopwords="en", stemmer=self.stemmer, show_progress=False)
        documents, scores = self.retriever.retrieve(tokens, k=min(k, self.size), show_progress=False)
        return documents[0][scores[0] > 0].tolist()

    @property
    def units(self) -> int:
        """Return how many documents were indexed."""
        return self.size


ENGINES = {engine.name: engine for engine in (Ours, OursBM25, RankBM25, BM25S)}
