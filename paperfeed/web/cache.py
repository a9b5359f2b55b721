"""A small time-bounded cache for what many visitors ask for at once: a listing page as
anonymous visitors see it, an encoded `/api/daily_papers` response.

An entry is fresh for `ttl` seconds and while the store has taken no write in this process
(`Store.generation`); writes in other processes (other workers, the CLI) show within `ttl`.
When an entry goes stale, one thread recomputes it while the others keep answering with the
stale value, so a busy page never stalls all its visitors at once. `ttl = 0` turns it off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    value: V
    expires: float
    generation: int


class TimedCache(Generic[V]):
    def __init__(
        self, ttl: float, *, size: int = 256, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: dict[Hashable, _Entry[V]] = {}
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()

    def get(self, key: Hashable, generation: int, make: Callable[[], V]) -> V:
        """The cached value of `key`, or `make()` (stored for later) when there is none fresh."""
        if self.ttl <= 0:
            return make()
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires > now and entry.generation == generation:
                return entry.value
            if entry is not None and key in self._refreshing:
                return entry.value
            self._refreshing.add(key)
        try:
            value = make()
            with self._lock:
                self._entries.pop(key, None)
                self._entries[key] = _Entry(value, self._clock() + self.ttl, generation)
                while len(self._entries) > self.size:
                    del self._entries[next(iter(self._entries))]
            return value
        finally:
            with self._lock:
                self._refreshing.discard(key)
