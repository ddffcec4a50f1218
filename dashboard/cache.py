"""Bounded caches of computed runs, keyed by the hash of their configuration.

Runs are pure functions of (scenario, overrides, seed, mode, fork, engine
version) (ARCHITECTURE.md, principle 1), so the browser keeps only that
configuration and the server keeps results in a bounded LRU cache; a worker
that does not hold a run recomputes it. Two threads asking for the same
missing key wait for one computation (single flight).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces) of ``data``."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def config_hash(
    scenario_hash: str,
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    mode: str | None = None,
    fork: Mapping[str, Any] | None = None,
    engine: str = "",
) -> str:
    """SHA-256 of a run's configuration: scenario content hash, overrides, seed, mode, fork spec, engine version.

    Overrides compare by value: ``{"kappa": 3}`` and ``{"kappa": 3.0}`` are the same run.

    >>> config_hash("abc", {"kappa": 3}, 1) == config_hash("abc", {"kappa": 3.0}, 1)
    True
    >>> config_hash("abc", {}, 1) == config_hash("abc", {}, 2)
    False
    """
    norm = {str(k): float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in (overrides or {}).items()}
    payload = {"scenario": scenario_hash, "overrides": norm, "seed": int(seed), "mode": mode, "fork": fork or None, "engine": engine}
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


class LRUCache(Generic[V]):
    """A thread-safe LRU cache holding at most ``maxsize`` values.

    >>> c = LRUCache[int](2)
    >>> c.put("a", 1); c.put("b", 2); c.get("a"); c.put("c", 3)
    1
    >>> sorted(c.keys())
    ['a', 'c']
    >>> w = LRUCache[str](10, max_weight=5, weigh=len)  # a budget by weight besides the count
    >>> w.put("a", "xx"); w.put("b", "xxx"); w.put("c", "xxxx"); sorted(w.keys()), w.weight
    (['c'], 4.0)
    """

    def __init__(self, maxsize: int = 32, max_weight: float | None = None, weigh: Callable[[V], float] | None = None) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = int(maxsize)
        # an optional budget besides the count: values weigh weigh(value) (bytes, say), and the least recently used
        # are evicted while the total exceeds max_weight (the newest value always stays, however heavy)
        self.max_weight = max_weight
        self._weigh = weigh
        self._weights: dict[Hashable, float] = {}
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.RLock()
        self._inflight: dict[Hashable, threading.Event] = {}
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._data)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return default

    @property
    def weight(self) -> float:
        """The total weight of the values held (0 without a ``weigh`` function)."""
        with self._lock:
            return float(sum(self._weights.values()))

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            if self._weigh is not None:
                self._weights[key] = float(self._weigh(value))
            while len(self._data) > self.maxsize or (
                self.max_weight is not None and len(self._data) > 1 and sum(self._weights.values()) > self.max_weight
            ):
                old, _ = self._data.popitem(last=False)
                self._weights.pop(old, None)
                self.evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._weights.clear()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value of ``key``, computing (once, even if asked concurrently) and storing it if missing."""
        while True:
            with self._lock:
                value = self._data.get(key, _MISSING)
                if value is not _MISSING:
                    self._data.move_to_end(key)
                    self.hits += 1
                    return value  # type: ignore[return-value]
                waiter = self._inflight.get(key)
                if waiter is None:
                    self.misses += 1
                    done = threading.Event()
                    self._inflight[key] = done
                    break
            waiter.wait()
            # the computing thread has stored it (or failed: then we compute ourselves)
            with self._lock:
                if key in self._data:
                    continue
                if key not in self._inflight:
                    done = threading.Event()
                    self._inflight[key] = done
                    self.misses += 1
                    break
        try:
            value = compute()
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            done.set()
