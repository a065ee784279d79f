"""The BM25 index: BM25Okapi's scores, atomic saves, rebuilds when the corpus changes."""
import shutil

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.config import bundled_dir
from assistant.engine import index as index_module
from assistant.engine.chunking import chunk
from assistant.errors import BadDocument, IndexUnavailable, NotWritten


@pytest.fixture
def corpus(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(bundled_dir("corpus"), target)
    return target


@pytest.fixture(scope="module")
def bundled_index():
    return index_module.build(bundled_dir("corpus"))[0]


def passage_tokens(index):
    """Tokenize each passage as the index does: its document's title, its section heading, then each sentence."""
    tokens = []
    for p in range(index.passage_count):
        document = index.documents[index.passage_doc[p]]
        text = document.text
        terms = index.tokenizer.tokenize(document.title or "") + index.tokenizer.tokenize(index.section(p) or "")
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
    with pytest.raises(NotWritten, match=f"could not write the index file '{path}' \\(No space left on device\\)"):
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
    monkeypatch.setattr(index_module, "ENGINE_FILES", index_module.ENGINE_FILES + ("safety.py",))
    chunked = []
    monkeypatch.setattr(index_module.chunking, "chunk", lambda document: chunked.append(document) or chunk(document))
    try:
        _, report = index_module.load_or_build(corpus, path)
        assert len(chunked) == 4  # nothing reused from the old version's chunks
        assert report is not None and len(report.unchanged) == 4  # though no document changed
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


def test_sentence_and_passage_vectors_are_stored_once_each(bundled_index, tmp_path):
    from assistant.engine.embeddings import MODEL_ID, embedder

    assert bundled_index.meta["model"] == MODEL_ID
    assert bundled_index.sentence_vectors.shape == (len(bundled_index.sentence_term_ptr) - 1, 384)
    assert bundled_index.passage_vectors.shape == (bundled_index.passage_count, 384)
    p = 5
    start, end = bundled_index.passage_sentences(p)[0]
    text = " ".join(bundled_index.documents[bundled_index.passage_doc[p]].text[start:end].split())
    sentence = bundled_index.span_sentence[bundled_index.sentence_ptr[p]]
    assert embedder().embed([text])[0] @ bundled_index.sentence_vectors[sentence] > 0.9999
    assert embedder().embed([bundled_index.source_text(p)])[0] @ bundled_index.passage_vectors[p] > 0.9999
    path = tmp_path / "index.npz"
    index_module.save(bundled_index, path)
    loaded = index_module.load(path)  # no model run: the vectors come from the file
    np.testing.assert_array_equal(loaded.passage_vectors, bundled_index.passage_vectors)
    np.testing.assert_array_equal(loaded.sentence_vectors, bundled_index.sentence_vectors)


def test_incremental_build_embeds_only_new_text(corpus, monkeypatch):
    from assistant.engine.embeddings import Embedder

    first, _ = index_module.build(corpus)
    changed = corpus / "muscle-of-the-month-iliopsoas.txt"
    title, rest = changed.read_text(encoding="utf-8").split("\n", 1)
    changed.write_text(f"{title}\n\nThe psoas enjoys swimming.\n{rest}", encoding="utf-8")
    embedded = []
    real = Embedder.embed_many
    monkeypatch.setattr(Embedder, "embed_many", lambda self, texts, progress=None: embedded.extend(texts) or
                        real(self, texts, progress))
    second, _ = index_module.build(corpus, previous=first)
    assert embedded and any("swimming" in text for text in embedded)
    assert all(text not in index_module.known_vectors(first) for text in embedded)
    assert len(embedded) < 10  # the new sentence and the passages that hold it, not the whole article
    full, _ = index_module.build(corpus)
    np.testing.assert_allclose(second.passage_vectors, full.passage_vectors, atol=1e-6)


def test_another_model_or_bm25_only_rebuilds_the_index(corpus, tmp_path, monkeypatch):
    path = tmp_path / "index.npz"
    index_module.load_or_build(corpus, path)
    monkeypatch.setenv("ASSISTANT_SEMANTIC", "false")
    index, report = index_module.load_or_build(corpus, path)
    assert report is not None and not index.semantic and index.meta["model"] is None
    monkeypatch.delenv("ASSISTANT_SEMANTIC")
    monkeypatch.setattr("assistant.engine.embeddings.MODEL_ID", "another model")
    index, report = index_module.load_or_build(corpus, path)
    assert report is not None and index.meta["model"] == "another model"


def _rewrite(path, change):
    """Rewrite a saved index's arrays through change(arrays) (meta included, as raw JSON bytes)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    change(arrays)
    np.savez(path, **arrays)


@pytest.mark.parametrize("change", [
    lambda arrays: [arrays.pop(name) for name in list(arrays) if name != "meta"],  # meta without arrays
    lambda arrays: arrays.update(passage_vectors=arrays["passage_vectors"][:-1]),  # wrong shape
    lambda arrays: arrays.update(term_ptr=arrays["term_ptr"].astype("U8")),  # wrong dtype
    lambda arrays: arrays.update(meta=np.frombuffer(b'{"format": 1}', dtype=np.uint8)),  # wrong format
])
def test_any_broken_index_file_is_unavailable_and_rebuilt(bundled_index, corpus, tmp_path, change):
    path = tmp_path / "index.npz"
    index_module.save(bundled_index, path)
    _rewrite(path, change)
    with pytest.raises(IndexUnavailable, match="run `assistant reindex`"):
        index_module.load(path)
    index, report = index_module.load_or_build(corpus, path)
    assert report is not None and index_module.load(path).passage_count == index.passage_count


def test_a_directory_in_place_of_the_index_is_unavailable(tmp_path):
    (tmp_path / "index.npz").mkdir()
    with pytest.raises(IndexUnavailable, match="run `assistant reindex`"):
        index_module.load(tmp_path / "index.npz")


def test_a_documents_title_counts_in_each_of_its_passages(monkeypatch):
    # A later passage seldom names its subject again; the title does ("What are the symptoms of glaucoma?").
    from assistant.engine.corpus import parse_document

    monkeypatch.setenv("ASSISTANT_SEMANTIC", "false")
    text = "It causes pain and swelling. Treatment starts early."  # the same in both: only the titles differ
    texts = {"b.txt": text, "a.txt": text, "c.txt": text}
    manifest = {"a.txt": {"title": "Glaucoma"}, "b.txt": {"title": "Arthritis"}, "c.txt": {"title": "Asthma"}}
    documents = [parse_document(name, text.encode(), manifest) for name, text in texts.items()]
    index = index_module.build_from_documents(documents)[0]
    scores = index.scores(index.tokenizer.tokenize("glaucoma treatment"))
    assert index.documents[index.passage_doc[int(np.argmax(scores))]].source == "a.txt"
    assert scores.max() > sorted(scores)[-2]
