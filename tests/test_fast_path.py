"""The postings fast path is an optimisation, not another model: its scores are BM25Okapi.get_scores's."""
import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.engine.index import from_token_lists

SEEDS = range(25)


def random_corpus(rng: np.random.Generator) -> list[list[str]]:
    """Return 3-60 passages of 0-40 tokens over a random vocabulary, Zipf-like so that some
    terms are in most passages (negative idf, floored by BM25Okapi) and others in one."""
    vocabulary = [f"t{i}" for i in range(int(rng.integers(3, 300)))]
    weights = 1 / np.arange(1, len(vocabulary) + 1) ** rng.uniform(0.5, 1.5)
    weights /= weights.sum()
    passages = int(rng.integers(3, 60))
    corpus = [list(rng.choice(vocabulary, size=int(rng.integers(0, 40)), p=weights)) for _ in range(passages)]
    if not any(corpus):
        corpus[0] = [vocabulary[0]]
    return corpus


def random_query(rng: np.random.Generator, corpus: list[list[str]]) -> list[str]:
    """Return 1-8 corpus terms, some repeated, plus a term no passage has."""
    known = sorted({term for passage in corpus for term in passage})
    query = list(rng.choice(known, size=int(rng.integers(1, 8))))
    return query + query[: int(rng.integers(0, 3))] + ["never-indexed"]


@pytest.mark.parametrize("seed", SEEDS)
def test_scores_equal_get_scores_for_every_passage_sharing_a_term(seed):
    rng = np.random.default_rng(seed)
    corpus = random_corpus(rng)
    index = from_token_lists(corpus)
    bm25 = BM25Okapi(corpus, k1=index.meta["k1"], b=index.meta["b"])
    for _ in range(5):
        query = random_query(rng, corpus)
        ours, expected = index.scores(query), bm25.get_scores(query)
        sharing = [i for i, passage in enumerate(corpus) if set(passage) & set(query)]
        assert sharing
        assert ours[sharing] == pytest.approx(expected[sharing], rel=1e-9, abs=1e-12)
        others = np.setdiff1d(np.arange(len(corpus)), sharing)
        assert not ours[others].any()


def test_unknown_terms_only_score_nothing():
    index = from_token_lists([["a", "b"], ["b", "c"], ["c", "d"]])
    assert not index.scores(["zzz", "zzz"]).any()
    assert not index.scores([]).any()


def test_unknown_terms_have_no_id():
    index = from_token_lists([["a", "b"], ["b", "c"], ["c", "d"]])
    assert index.term_id_set(["never-indexed"]) == frozenset()
    assert index.term_id_set(["a", "never-indexed"]) == {index.term_ids["a"]}


def zipf_corpus(rng: np.random.Generator, passages: int) -> list[list[str]]:
    """Return passages over a Zipf-like vocabulary, scores often tied (short passages, few terms),
    enough of them for top()'s sampled floor to cut."""
    vocabulary = [f"t{i}" for i in range(int(rng.integers(5, 400)))]
    weights = 1 / np.arange(1, len(vocabulary) + 1) ** rng.uniform(0.6, 1.4)
    weights /= weights.sum()
    return [list(rng.choice(vocabulary, size=int(rng.integers(1, 12)), p=weights)) for _ in range(passages)]


@pytest.mark.parametrize("seed", SEEDS)
def test_top_of_is_the_k_best_positive_scores_ties_to_the_earlier(seed):
    rng = np.random.default_rng(seed)
    corpus = zipf_corpus(rng, int(rng.integers(1, 3000)))
    index = from_token_lists(corpus)
    for _ in range(5):
        query, k = random_query(rng, corpus), int(rng.integers(1, 120))
        scores = index.scores(query)
        expected = sorted(np.flatnonzero(scores > 0).tolist(), key=lambda p: (-scores[p], p))[:k]
        passages, values = index.top_of(scores, k, positive=True)
        assert passages == expected  # ties to the earlier passage
        assert values == scores[expected].tolist()  # to the last bit
    assert index.top_of(index.scores(["never-indexed"]), 3, positive=True) == ([], [])
