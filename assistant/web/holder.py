"""Hold the loaded index for a web process, switch to a new one when a reindex replaces the file, and catch
up with a corpus folder that changed under it.

Each request asks get(), which compares the index file's identity (inode, size,
modification time: one os.stat) with the one it loaded. A reindex writes a new file
and renames it into place, so a changed identity means a complete new index: the
holder loads it and swaps the reference. Requests already running keep the Index
object they were given; every worker process does the same check, so all switch.

A corpus can also change with no reindex after it: a file copied in or deleted by hand, or
an `assistant add` or `remove` killed between changing the folder and reindexing. So every
check_seconds a thread lists the corpus folder; when the listing (or the served index)
has changed since the last look, it hashes the corpus into the fingerprint the index
records and, if they differ, reindexes under the corpus lock, like any other reindex.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from pathlib import Path

from ..engine import index as index_module
from ..engine.documents import corpus_lock
from ..errors import AssistantError

log = logging.getLogger(__name__)


class IndexHolder:
    """Loads the index on first use (building it if needed), reloads it when the file changes, and with
    check_seconds > 0 reindexes a corpus changed under it."""

    def __init__(self, corpus_dir: Path, index_path: Path, check_seconds: float = 0):
        self.corpus_dir = Path(corpus_dir)
        self.index_path = Path(index_path)
        self.check_seconds = check_seconds
        self._index: index_module.Index | None = None
        self._loaded: tuple | None = None
        self._lock = threading.Lock()
        self._behind: str | None = None  # the fingerprint of an index the last check found behind the corpus
        self._checked: tuple | None = None  # (folder listing, served index's fingerprint) at the last check

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
                self._watch()
            elif stamp != self._loaded:
                self._reload(stamp)
            return self._index

    def stale(self) -> bool:
        """Tell whether the index served is one the last check found behind the corpus (a newer one is not)."""
        return self._behind == self.get().meta["fingerprint"]

    def catch_up(self) -> None:
        """Reindex if the corpus changed since the served index was built; if that fails, keep serving and log why.

        Cheap when nothing changed since the last call: one listing of the corpus folder.
        """
        # Listed before the contents are read: a change made meanwhile then shows in the next listing.
        listing = index_module.corpus_listing(self.corpus_dir)
        served = self.get().meta["fingerprint"]
        if (listing, served) == self._checked:
            return
        # Remembered before trying: a corpus that cannot be indexed is tried again once it or the index changes,
        # not on every check.
        self._checked = (listing, served)
        try:
            self._behind = served if index_module.corpus_fingerprint(self.corpus_dir) != served else None
            if self._behind:
                # Under the lock every reindex takes, load_or_build finds an index that another process (or
                # an add, or /api/reindex) has just built, instead of building it again.
                with corpus_lock(self.corpus_dir):
                    index_module.load_or_build(self.corpus_dir, self.index_path)
                self.get()  # switch now rather than on the next request
        except Exception as error:  # noqa: BLE001 - a bad file, a full disk: the old index keeps serving
            log.warning("the corpus folder %s changed but cannot be indexed: %s; the previous index keeps serving",
                        self.corpus_dir, error, exc_info=not isinstance(error, AssistantError))

    def _watch(self) -> None:
        """Start calling catch_up every check_seconds in a daemon thread.

        Started with the first index rather than with the app, so that each worker process of a
        forking server has a thread of its own (threads do not survive a fork).
        """
        if self.check_seconds > 0:
            threading.Thread(target=_keep_checking, args=(weakref.ref(self), self.check_seconds),
                             name="corpus-check", daemon=True).start()

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


def _keep_checking(holder: weakref.ref, seconds: float) -> None:
    """Call the holder's catch_up every `seconds` for as long as it lives.

    A weak reference, so that an app dropped (as tests drop theirs) is freed and its thread ends.
    """
    while True:
        time.sleep(seconds)
        current = holder()
        if current is None:
            return
        current.catch_up()
        current = None  # no strong reference while asleep
