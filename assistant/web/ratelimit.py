"""Per-client counts, by the `limits` library: the rate limit on POST /api/answer, and the
wrong admin tokens (admin.py).

`limits` is what Flask-Limiter counts with. We call it directly because Flask-Limiter
resolves its rules on every request of every route (twice for a limited one): about
half a millisecond a question, more than answering it. Here only /api/answer pays,
with one counter per client address.

The default storage, memory://, is ProcessStorage below rather than limits' own memory
storage: that one starts a timer thread every 10 ms while requests come in (a fifth of
the server's throughput under load), and two threads can start the same timer, which
raises RuntimeError (limits pull request #352). Other URIs (redis://...) are limits'.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import NoReturn

from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from ..errors import BadSetting

SCOPE = "answer"
log = logging.getLogger(__name__)
PROCESS_STORAGE_URI = "memory://"


class ProcessStorage(Storage):
    """Fixed-window counts in this process's memory; expired ones are dropped when met or swept."""

    STORAGE_SCHEME = None  # not registered with limits: made only for memory://
    SWEEP_EVERY = 10_000  # counts between two sweeps of the expired ones, so memory stays bounded

    def __init__(self):
        super().__init__()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, when its window ends)
        self._lock = threading.Lock()
        self._since_sweep = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            count, ends = self._counts.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + expiry
            self._counts[key] = (count + amount, ends)
            self._since_sweep += 1
            if self._since_sweep >= self.SWEEP_EVERY:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
                self._since_sweep = 0
        return count + amount

    def get(self, key: str) -> int:
        count, ends = self._counts.get(key, (0, 0.0))
        return count if ends > time.time() else 0

    def get_expiry(self, key: str) -> float:
        return max(self._counts.get(key, (0, 0.0))[1], time.time())

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            cleared, self._counts = len(self._counts), {}
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RateLimit:
    """Counts requests (or failures) per client address against one or more limits ("10 per second; 500 per hour").

    `scope` keeps the counts of two limits apart in a shared storage; `counted` names what is
    counted in the limit's description ("10 wrong admin tokens per 1 minute").
    """

    def __init__(self, rate: str, storage_uri: str, headers: bool = True, scope: str = SCOPE,
                 counted: str = "", setting: str = "ASSISTANT_RATE_LIMIT"):
        """Raises BadSetting when the rate or the storage cannot be used."""
        try:
            self.limits: list[RateLimitItem] = parse_many(rate)
        except ValueError:
            raise BadSetting(f"rate limit {rate!r} is not understood; write it like '120 per minute' "
                             f"({setting})") from None
        try:
            storage = (ProcessStorage() if storage_uri == PROCESS_STORAGE_URI
                       else storage_from_string(storage_uri, wrap_exceptions=True))
        except ConfigurationError as error:
            raise BadSetting(f"rate limit storage {storage_uri!r} cannot be used ({error}); "
                             "the default is memory:// (ASSISTANT_RATELIMIT_STORAGE_URI)") from None
        self.counter = FixedWindowRateLimiter(storage)
        self.headers = headers
        self.scope = scope
        self.counted = counted

    def hit(self, client: str) -> dict[str, str]:
        """Count one request from a client; return the X-RateLimit-* headers to send (none if turned off).

        Raises TooManyRequests (429, with Retry-After) when a limit is used up. When the storage
        cannot be reached (a redis server down), the question is let through and the log says why:
        the limit guards the server, and refusing everyone would be worse.
        """
        try:
            return self._hit(client)
        except StorageError as error:
            log.warning("rate limit not counted: its storage failed (%s)", error)
            return {}

    def check(self, client: str) -> None:
        """Refuse a client that has used up a limit, counting nothing (failures are counted by count).

        Raises TooManyRequests (429, with Retry-After). A storage that fails lets the client through, as in hit.
        """
        try:
            for limit in self.limits:
                if not self.counter.test(limit, self.scope, client):
                    self._refuse(limit, client)
        except StorageError as error:
            log.warning("rate limit not checked: its storage failed (%s)", error)

    def count(self, client: str) -> None:
        """Count one event, such as a wrong token, for a client, without refusing it."""
        try:
            for limit in self.limits:
                self.counter.hit(limit, self.scope, client)
        except StorageError as error:
            log.warning("rate limit not counted: its storage failed (%s)", error)

    def _hit(self, client: str) -> dict[str, str]:
        for limit in self.limits:
            if not self.counter.hit(limit, self.scope, client):
                self._refuse(limit, client)
        if not self.headers:
            return {}
        shown = self.limits[0]  # the first limit written
        stats = self.counter.get_window_stats(shown, self.scope, client)
        return {"X-RateLimit-Limit": str(shown.amount), "X-RateLimit-Remaining": str(stats.remaining),
                "X-RateLimit-Reset": str(int(stats.reset_time))}

    def _refuse(self, limit: RateLimitItem, client: str) -> NoReturn:
        """Raise TooManyRequests for a used-up limit, saying when its window ends."""
        reset = self.counter.get_window_stats(limit, self.scope, client).reset_time
        described = str(limit)  # "120 per 1 minute"
        if self.counted:
            described = f"{limit.amount} {self.counted} per {limit.multiples} {limit.GRANULARITY.name}"
        raise TooManyRequests(described, retry_after=max(1, int(reset - time.time()) + 1))
