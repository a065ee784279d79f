"""The sentence-embedding model: our vectors against the official model's, and the file checks."""
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.engine import embeddings
from assistant.engine.embeddings import DIMENSIONS, Embedder, embedder
from assistant.errors import ModelUnavailable


# Made from the official fp32 weights by tests/make_embedding_reference.py (plain numpy, no onnxruntime).
REFERENCE = json.loads((Path(__file__).parent / "embedding_reference.json").read_text())


@pytest.fixture(autouse=True)
def every_text_through_the_model(monkeypatch):
    """Undo conftest's embed_each_text_once here: these tests are about the model itself."""
    monkeypatch.setattr(Embedder, "embed_many", inspect.unwrap(Embedder.embed_many))


def test_our_vectors_match_the_official_fp32_model():
    ours = embedder().embed(REFERENCE["sentences"])
    reference = np.array(REFERENCE["vectors"], dtype=np.float32)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.98, cosines  # dynamic int8 weights (tools/quantize_model.py): 0.986-0.995 measured


def test_vectors_are_unit_length_and_alike_texts_are_closer():
    vectors = embedder().embed(["Which nerve supplies the iliacus?", "The femoral nerve innervates the iliacus.",
                                "What is the recipe for banana bread?"])
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_a_text_gets_the_same_vector_whatever_is_embedded_with_it(monkeypatch):
    # The index reuses a sentence's vector by its text, and a question is embedded alone.
    monkeypatch.setattr(embeddings, "PROGRESS_STEP", 2)
    texts = ["psoas", "The iliacus originates from the iliac fossa of the pelvis.", "hip", "How do I stretch?", "x"]
    many = embedder().embed_many(texts)
    one_by_one = np.vstack([embedder().embed([text]) for text in texts])
    assert np.array_equal(many, one_by_one)


def test_no_texts_give_no_vectors():
    assert embedder().embed([]).shape == (0, DIMENSIONS)


def test_a_wrong_model_file_is_refused_with_a_fix(tmp_path):
    wrong = tmp_path / "model.onnx"
    wrong.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable, match="sha256 differs.*reinstall"):
        Embedder(wrong)


def test_a_missing_model_file_is_refused_with_a_fix(tmp_path):
    with pytest.raises(ModelUnavailable, match="cannot be read.*reinstall"):
        Embedder(tmp_path / "missing.onnx")


def test_the_command_line_names_a_missing_model_in_one_line(tmp_path, monkeypatch, writable_corpus):
    from click.testing import CliRunner

    from assistant.cli import cli

    monkeypatch.setenv("ASSISTANT_MODEL", str(tmp_path / "missing.onnx"))
    embedder.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["--corpus", str(writable_corpus),
                                          "--index", str(tmp_path / "index.npz"), "ask", "psoas?"])
    finally:
        embedder.cache_clear()
    assert result.exit_code == 2
    assert "embedding model" in result.output and "reinstall" in result.output
    assert "Traceback" not in result.output
