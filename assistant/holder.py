"""Hold the loaded index for a web process, and switch to a new one when a reindex replaces the file.

Each request asks get(), which compares the index file's identity (inode, size,
modification time: one os.stat) with the one it loaded. A reindex writes a new file
and renames it into place, so a changed identity means a complete new index: the
holder loads it and swaps the reference. Requests already running keep the Index
object they were given; every worker process does the same check, so all switch.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from . import index as index_module
from .errors import AssistantError

log = logging.getLogger(__name__)


class IndexHolder:
    """Loads the index on first use (building it if needed) and reloads it when the file changes."""

    def __init__(self, corpus_dir: Path, index_path: Path):
        self.corpus_dir = Path(corpus_dir)
        self.index_path = Path(index_path)
        self._index: index_module.Index | None = None
        self._loaded: tuple | None = None
        self._lock = threading.Lock()

    def get(self) -> index_module.Index:
        """Return the current index: loaded or built on the first call, reloaded when the file was replaced.

        Raises CorpusNotFound, BadDocument or BadSynonyms when the first build cannot read the corpus.
        """
        index, stamp = self._index, self._stamp()
        if index is not None and stamp == self._loaded:
            return index
        # One thread loads while the others wait, instead of each loading the same file.
        with self._lock:
            stamp = self._stamp()
            if self._index is None:
                self._index, _ = index_module.load_or_build(self.corpus_dir, self.index_path)
                self._loaded = self._stamp()
            elif stamp != self._loaded:
                self._reload(stamp)
            return self._index

    def _reload(self, stamp: tuple | None) -> None:
        """Swap in the index file's new contents; on failure keep serving the old index."""
        try:
            self._index = index_module.load(self.index_path)
        except AssistantError as error:
            log.warning("keeping the previous index: %s", error)
        # Remember this file either way: a broken one is not retried on every request.
        self._loaded = stamp

    def _stamp(self) -> tuple | None:
        try:
            info = os.stat(self.index_path)
        except OSError:
            return None
        return info.st_ino, info.st_size, info.st_mtime_ns
