"""Hold the loaded index for a web process: loaded once, shared read-only by every request."""
from __future__ import annotations

import threading
from pathlib import Path

from . import index as index_module


class IndexHolder:
    """Loads the index on first use (building it if needed) and hands the same Index to every request."""

    def __init__(self, corpus_dir: Path, index_path: Path):
        self.corpus_dir = Path(corpus_dir)
        self.index_path = Path(index_path)
        self._index: index_module.Index | None = None
        self._lock = threading.Lock()

    def get(self) -> index_module.Index:
        """Return the index, loading or building it on the first call.

        Raises CorpusNotFound, BadDocument or BadSynonyms when a needed build cannot read the corpus.
        """
        index = self._index
        if index is None:
            # The lock makes concurrent first requests wait for one load instead of each building.
            with self._lock:
                if self._index is None:
                    self._index, _ = index_module.load_or_build(self.corpus_dir, self.index_path)
                index = self._index
        return index
