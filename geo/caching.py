"""Results a process computes once and shares among its threads (every session, the start-up warm-up).

`SharedResults` is the mechanism: the first caller of a key computes, callers asking for the same
key meanwhile wait for that result instead of computing it again, and the most recently used are
kept. `CountsCache` keys grouped counts on the database and its data version, so any change of
the data (a new report, a moderation) is a new key and a stale answer is never given.
`geo.hexagons.PointsCache` keeps the located reports the same way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from geo.store import Store

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
T = TypeVar("T")


class SharedResults(Generic[Key, Value]):
    """Results computed once per key and shared by every thread of the process.

    The first caller of a key computes; callers asking for the same key meanwhile wait for that
    result instead of computing it again (a visitor arriving during the start-up warm-up gets the
    warm-up's result). A failed computation is tried again by the next caller. Keeps the
    ``max_entries`` most recently used.
    """

    def __init__(self, max_entries: int = 8) -> None:
        if not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a positive int, got {max_entries!r}")
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, _Entry[Value]] = OrderedDict()

    def get(self, key: Key, compute: Callable[[], Value]) -> Value:
        """The result for ``key``: ``compute()``'s, by this caller or the first one."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        with entry.lock:
            if entry.value is None:  # not computed yet, or the computation failed: (re)try
                entry.value = compute()
            return entry.value

    def peek(self, key: Key) -> Value | None:
        """The result if already at hand (never computes nor waits)."""
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry.value

    def __len__(self) -> int:
        with self._lock:
            return sum(entry.value is not None for entry in self._entries.values())


class _Entry(Generic[Value]):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: Value | None = None


class CountsCache:
    """Grouped counts (`geo.store.Store.report_counts`, `geo.hexagons.cell_counts`) kept per database,
    data version and key (`SharedResults`): one process's sessions share them, and any change of the
    data moves the version, so a stale answer is never given."""

    def __init__(self, max_entries: int = 48) -> None:
        self._results: SharedResults[tuple[object, ...], object] = SharedResults(max_entries)

    def get(self, store: Store, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """The answer to ``key`` at the store's current data version: ``make()``'s, once per version."""
        return self._results.get((store.database_key, store.data_version(), *key), make)  # type: ignore[return-value]
