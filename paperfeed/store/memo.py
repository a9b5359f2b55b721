"""The read memo: what a repository read returned, kept until the store changes.

Each entry holds the store's change stamp (`Database.stamp`) read before the value was: a
read is answered from the memo only when the stamp read now is the same, that is when no
write has committed anywhere since (in any process), so an answer from the memo is the one
the database would give. Writes never invalidate anything; they change the stamp.

Bounded by the rows its values hold (a listing of 30 papers weighs 30), least recently used
first out. Values are shared between threads: only immutable ones go in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sized
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from paperfeed.store.database import Database

DEFAULT_ROWS = 50_000

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class _Entry:
    stamp: Hashable
    value: Any
    weight: int


class ReadMemo:
    """Values by key, each valid at one stamp; at most `rows` rows held in all."""

    def __init__(self, rows: int = DEFAULT_ROWS) -> None:
        self.rows = rows
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, stamp: Hashable) -> tuple[bool, Any]:
        """(True, value) when `key` holds a value read at `stamp`, else (False, None)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.stamp != stamp:
                self.misses += 1
                return False, None
            self._entries.move_to_end(key)
            self.hits += 1
            return True, entry.value

    def put(self, key: Hashable, stamp: Hashable, value: Any, weight: int = 1) -> None:
        """Keep `value`, read at `stamp`, unless it alone outweighs the memo."""
        weight = max(1, weight)
        if weight > self.rows:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._held -= old.weight
            self._entries[key] = _Entry(stamp, value, weight)
            self._held += weight
            while self._held > self.rows:
                _, dropped = self._entries.popitem(last=False)
                self._held -= dropped.weight

    def __len__(self) -> int:
        return len(self._entries)


def weight(value: object) -> int:
    """The rows a value holds: its length, a listing's papers, else 1."""
    if isinstance(value, Sized):
        return len(value)
    items = getattr(value, "items", None)
    return len(items) if isinstance(items, list) else 1


def frozen(value: Any) -> Hashable:
    """`value` as part of a memo key: sequences as tuples, sets as frozensets."""
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(value)
    return value  # type: ignore[no-any-return]


class _Repository(Protocol):
    _db: Database


S = TypeVar("S", bound=_Repository)


def remembered(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """A repository read answered through the read memo (`Database.remembered`), keyed by the
    method, its arguments and the repository's `memo_scope` (what else decides the answer,
    such as the categories a site follows), if it has one. For reads that return immutable
    values, or dicts, lists and sets of them (each caller gets its own copy of those)."""
    name = method.__qualname__

    @wraps(method)
    def read(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (
            name,
            getattr(self, "memo_scope", None),
            *map(frozen, args),
            *((k, frozen(v)) for k, v in sorted(kwargs.items())),
        )
        return self._db.remembered(key, lambda: method(self, *args, **kwargs))

    return read
