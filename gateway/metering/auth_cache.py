"""A small in-process cache in front of ``Ledger.authenticate``, which runs on every request.

Only successful lookups are cached, keyed by the secret's hash (never the secret): a key created
on another instance works at once, and random secrets cannot fill memory. Entries live ``ttl``
seconds, so a revocation or cap change made by another instance is seen here within ``ttl``;
changes made through this process clear the cache at once. A stale entry never moves money:
``Ledger.reserve`` re-checks revocation and caps in the same statement that debits the balance.
"""

from __future__ import annotations

import time
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Entries expire ``ttl`` seconds after they are stored; a ``ttl`` of 0 disables the cache.

    When ``max_entries`` is reached the whole cache is dropped: simpler than LRU bookkeeping on
    every hit, and a refill costs one indexed lookup per key.
    """

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: dict[bytes, tuple[float, V]] = {}

    def get(self, key: bytes) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: bytes, value: V) -> None:
        if self._ttl <= 0:
            return
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self._ttl, value)

    def clear(self) -> None:
        self._entries.clear()
