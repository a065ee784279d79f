"""Remember recent answers (their JSON, and the result it encodes), per index.

Chats repeat questions (the example questions on the empty screen, the common ones),
and computing an answer costs more than the rest of an HTTP request. Entries belong
to the Index object they were computed from, so a reindex starts afresh and an old
index is not kept alive by its answers. What differs per request (the answer_id) is
never remembered here.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

from ..engine.index import Index

Value = TypeVar("Value")


class AnswerCache:
    """The latest `size` distinct answers of each index (0 turns remembering off)."""

    def __init__(self, size: int):
        self.size = size
        self._per_index: weakref.WeakKeyDictionary[Index, OrderedDict] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, index: Index, key: Hashable, compute: Callable[[], Value]) -> Value:
        """Return the remembered value for (index, key), or compute(), remember and return it."""
        if self.size <= 0:
            return compute()
        with self._lock:
            answers = self._per_index.setdefault(index, OrderedDict())
            if key in answers:
                answers.move_to_end(key)
                return answers[key]
        value = compute()  # outside the lock: other questions need not wait for this one
        with self._lock:
            answers[key] = value
            if len(answers) > self.size:
                answers.popitem(last=False)  # the least recently asked
        return value
