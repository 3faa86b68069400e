"""A bounded memory shared by the server's requests: answers by key, each with a weight,
the least recently used dropped first once the weights pass a limit.

The remembered answers of the lists (:mod:`controltower.storage.queries.memory`) and the
parsed lines of stored orders (:func:`controltower.storage.repository.line_outcomes`)
each keep one, with a limit of their own. Its callers must not change what they get
back: an answer is shared by every request that asks for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class Memo:
    """Answers by key, at most ``limit`` in weight; thread-safe."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._weight = 0

    def get(self, key: Hashable) -> Any:
        """The answer kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            self._answers.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, answer: Any, weight: int) -> None:
        """Keep ``answer`` under ``key``, dropping the least recently used answers while
        the weights pass the limit (never the one just kept)."""
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self._weight -= previous[1]
            self._answers[key] = (answer, weight)
            self._weight += weight
            while self._weight > self._limit and len(self._answers) > 1:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._weight = 0
