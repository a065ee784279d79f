"""Write recorded answers to the store from a background thread, so answering never waits for the database.

A request only puts its row on a queue. One thread per process writes whatever has
gathered in one transaction, deletes answers older than the retention period once an
hour, and ends after a while with nothing to do (the next row starts another). When
the database fails, the rows in hand are dropped and the log says why; the thread then
waits a little longer before each new try, up to a minute, so a database that is down
costs neither the answers nor a flood of log lines.
"""
from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref

from ..errors import StoreUnavailable
from .answers import Store

log = logging.getLogger(__name__)

MAX_PENDING = 10_000  # rows waiting; past that (a database down for long) new ones are dropped
BATCH = 500  # rows written in one transaction at most
IDLE_S = 30.0  # the thread ends after this long without a row
PURGE_EVERY_S = 3600.0
MAX_BACKOFF_S = 60.0


class Recorder:
    """Queue answer rows for a Store and write them in the background."""

    def __init__(self, store: Store):
        self.store = store
        self._queue: queue.Queue = queue.Queue(MAX_PENDING)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0
        self._backoff = 0.0
        self._dropping = False
        _live.add(self)

    def record(self, row: dict) -> None:
        """Queue a row (from answers.answer_row) to be written; never blocks, never raises."""
        self._put(row)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the rows queued so far are written (or dropped); False if that took longer than `timeout`."""
        written = threading.Event()
        return self._put(written) and written.wait(timeout)

    def _put(self, item) -> bool:
        with self._lock:  # the thread decides to end under the same lock, so no row is left without one
            try:
                self._queue.put_nowait(item)
            except queue.Full:
                if not self._dropping:
                    log.error("not recording answers: %d are waiting for the database %s", MAX_PENDING,
                              self.store.where)
                    self._dropping = True
                return False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="assistant-recorder", daemon=True)
                self._thread.start()
        return True

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            written = self._write([item for item in batch if isinstance(item, dict)])
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if not written:
                time.sleep(self._backoff)

    def _write(self, rows: list[dict]) -> bool:
        """Write rows, then purge when due; on failure log why, drop them, wait longer next time and return False."""
        try:
            self.store.add(rows)
        except Exception as error:  # whatever it is: a bug must not end the thread with rows waiting
            self._backoff = min(MAX_BACKOFF_S, max(1.0, self._backoff * 2))
            if isinstance(error, StoreUnavailable):
                log.error("answers not recorded (%d dropped): %s; next try in %.0f s", len(rows), error, self._backoff)
            else:
                log.exception("answers not recorded (%d dropped)", len(rows))
            return False
        self._backoff, self._dropping = 0.0, False
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY_S
            try:
                gone = self.store.purge()
            except Exception as error:
                log.error("answers older than %d days not deleted: %s", self.store.retention_days, error)
            else:
                log.info("deleted %d answer(s) older than %d days", gone, self.store.retention_days)
        return True


# Recorders still in use, so rows queued when the process exits are written first.
_live: weakref.WeakSet[Recorder] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for recorder in list(_live):
        if recorder._thread is not None:
            recorder.flush(timeout=5.0)
