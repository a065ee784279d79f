"""The BM25 index: BM25Okapi's scores, atomic saves, rebuilds when the corpus changes."""
import shutil

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant import index as index_module
from assistant.config import bundled_dir
from assistant.errors import BadDocument, IndexUnavailable


@pytest.fixture
def corpus(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(bundled_dir("corpus"), target)
    return target


@pytest.fixture(scope="module")
def bundled_index():
    return index_module.build(bundled_dir("corpus"))[0]


def passage_tokens(index):
    """Tokenize each passage as the index does: its section heading, then each of its sentences."""
    tokens = []
    for p in range(index.passage_count):
        text = index.documents[index.passage_doc[p]].text
        terms = index.tokenizer.tokenize(index.section(p) or "")
        for start, end in index.passage_sentences(p):
            terms += index.tokenizer.tokenize(text[start:end])
        tokens.append(terms)
    return tokens


@pytest.mark.parametrize("question", [
    "how do I stretch my hip flexors", "which nerve supplies the iliacus", "psoas psoas release", "unknownword psoas",
])
def test_scores_are_bm25okapi_get_scores(bundled_index, question):
    reference = BM25Okapi(passage_tokens(bundled_index), k1=bundled_index.meta["k1"], b=bundled_index.meta["b"])
    query = bundled_index.tokenizer.tokenize(question)
    np.testing.assert_allclose(bundled_index.scores(query), reference.get_scores(query), rtol=1e-9, atol=1e-12)


def test_save_and_load_round_trip(bundled_index, tmp_path):
    path = tmp_path / "index.npz"
    index_module.save(bundled_index, path)
    loaded = index_module.load(path)
    assert loaded.passage_count == bundled_index.passage_count
    query = loaded.tokenizer.tokenize("femoral nerve")
    np.testing.assert_array_equal(loaded.scores(query), bundled_index.scores(query))


def test_index_file_holds_no_pickle(bundled_index, tmp_path):
    path = tmp_path / "index.npz"
    index_module.save(bundled_index, path)
    with np.load(path, allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)


def test_a_save_that_fails_midway_leaves_the_old_index(bundled_index, tmp_path, monkeypatch):
    path = tmp_path / "index.npz"
    index_module.save(bundled_index, path)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"half an index")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError):
        index_module.save(bundled_index, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["index.npz"]  # no temporary file left behind


def test_a_build_that_fails_midway_leaves_the_old_index(corpus, tmp_path, monkeypatch):
    path = tmp_path / "index.npz"
    index_module.load_or_build(corpus, path)
    before = path.read_bytes()
    (corpus / "new.txt").write_text("The psoas loves a new fact.\n")

    def exploding_chunk(document, target=None):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(index_module.chunking, "chunk", exploding_chunk)
    with pytest.raises(RuntimeError):
        index_module.load_or_build(corpus, path)
    assert path.read_bytes() == before


def test_unreadable_or_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexUnavailable, match="does not exist; run `assistant reindex`"):
        index_module.load(tmp_path / "none.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(IndexUnavailable, match="unreadable"):
        index_module.load(garbage)


def test_load_or_build_rebuilds_when_missing_unreadable_or_stale(corpus, tmp_path):
    path = tmp_path / "index.npz"
    _, report = index_module.load_or_build(corpus, path)
    assert report is not None and report.documents == 4
    assert index_module.load_or_build(corpus, path)[1] is None  # current: loaded, not rebuilt
    (corpus / "extra.md").write_text("# Extra\n\nThe psoas likes walks.\n")
    index, report = index_module.load_or_build(corpus, path)
    assert report.added == ["extra.md"] and len(report.unchanged) == 4
    path.write_bytes(b"corrupted")
    assert index_module.load_or_build(corpus, path)[1] is not None


def test_incremental_build_reuses_unchanged_documents(corpus):
    first, _ = index_module.build(corpus)
    (corpus / "the-iliopsoas-clinic-handout.txt").unlink()
    with open(corpus / "muscle-of-the-month-iliopsoas.txt", "a", encoding="utf-8") as file:
        file.write("\nThe psoas enjoys swimming.\n")
    second, report = index_module.build(corpus, previous=first)
    assert report.removed == ["the-iliopsoas-clinic-handout.txt"]
    assert report.updated == ["muscle-of-the-month-iliopsoas.txt"]
    assert len(report.unchanged) == 2
    full, _ = index_module.build(corpus)
    assert second.passage_count == full.passage_count
    np.testing.assert_array_equal(second.passage_start, full.passage_start)


def test_a_bad_file_in_the_corpus_fails_the_build_and_names_it(corpus):
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(BadDocument, match="broken.txt"):
        index_module.build(corpus)


def test_an_index_built_by_another_version_is_rebuilt(corpus, tmp_path, monkeypatch):
    path = tmp_path / "index.npz"
    index_module.load_or_build(corpus, path)
    assert index_module.load_or_build(corpus, path)[1] is None
    index_module.engine_signature.cache_clear()
    monkeypatch.setattr(index_module, "ENGINE_FILES", index_module.ENGINE_FILES + ("errors.py",))
    try:
        _, report = index_module.load_or_build(corpus, path)
        assert report is not None and len(report.added) == 4  # nothing reused from the old version's chunks
    finally:
        index_module.engine_signature.cache_clear()


def test_each_sentences_terms_are_kept_as_the_tokenizer_gives_them(bundled_index):
    index = bundled_index
    for p in range(index.passage_count):
        text = index.documents[index.passage_doc[p]].text
        kept = index.sentence_terms(p)
        assert len(kept) == len(index.passage_sentences(p))
        for (start, end), terms in zip(index.passage_sentences(p), kept):
            assert terms == index.term_id_set(index.tokenizer.tokenize(text[start:end]))


def test_saved_and_loaded_index_keeps_the_sentence_terms(bundled_index, tmp_path):
    index_module.save(bundled_index, tmp_path / "index.npz")
    loaded = index_module.load(tmp_path / "index.npz")
    assert [loaded.sentence_terms(p) for p in range(loaded.passage_count)] == \
        [bundled_index.sentence_terms(p) for p in range(bundled_index.passage_count)]
