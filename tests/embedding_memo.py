"""The vectors of the texts the tests have embedded, so that the model runs once per distinct text in a test run.

The model runs each text alone, so a text's vector depends on that text only: the tests' many
builds of the bundled articles from nothing can reuse the first build's vectors rather than
embed them again (about 10 s each on 2 cores). Under pytest-xdist the workers share them
through a file beside their temporary folders, written under a lock: one worker runs the model
on a text, the others read its vector.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

import numpy as np
from filelock import FileLock

from assistant.engine.embeddings import DIMENSIONS


class EmbeddingMemo:
    """Vectors by text, filled by the real Embedder.embed_many; shared through `shared` (a .npz file) if given."""

    def __init__(self, shared: Path | None = None):
        self.vectors: dict[str, np.ndarray] = {}
        self.shared = shared

    def wrap(self, real: Callable) -> Callable:
        """Return an Embedder.embed_many that runs `real` only on the texts not embedded before."""
        @functools.wraps(real)
        def embed_many(embedder, texts, progress=None):
            if any(text not in self.vectors for text in texts):
                if self.shared is None:
                    self._embed(real, embedder, texts, progress)
                else:
                    with FileLock(f"{self.shared}.lock"):
                        self._read()
                        if self._embed(real, embedder, texts, progress):
                            self._write()
            rows = [self.vectors[text] for text in texts]
            return np.array(rows, dtype=np.float32).reshape(len(texts), DIMENSIONS)
        return embed_many

    def _embed(self, real: Callable, embedder, texts: list[str], progress) -> bool:
        """Embed the texts not known yet; tell whether there were any."""
        missing = [text for text in dict.fromkeys(texts) if text not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, real(embedder, missing, progress)))
        return bool(missing)

    def _read(self) -> None:
        if self.shared.is_file():
            with np.load(self.shared, allow_pickle=False) as data:
                self.vectors.update(zip(data["texts"].tolist(), data["vectors"]))

    def _write(self) -> None:
        texts = list(self.vectors)
        temporary = self.shared.with_suffix(".tmp.npz")
        np.savez(temporary, texts=np.array(texts, dtype=str), vectors=np.array([self.vectors[t] for t in texts]))
        temporary.replace(self.shared)
