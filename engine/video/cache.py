"""A least-recently-used cache bounded by bytes, because frame sizes differ by 10x between videos."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from typing import Any

import numpy as np


def sizeof(value: Any) -> int:
    """Bytes held by a cached value: a numpy array or a decoded av.VideoFrame (its planes)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    planes = getattr(value, "planes", None)
    if planes is not None:
        return int(sum(p.buffer_size for p in planes))
    raise TypeError(f"cannot size a {type(value).__name__}")


class FrameCache:
    """Thread-safe LRU of frames (numpy arrays or decoded video frames), at most ``max_bytes``.

    Arrays are stored read-only: a caller that scribbles on a frame must not corrupt the cache.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: Hashable, value: Any) -> None:
        size = sizeof(value)
        if size > self.max_bytes:
            return
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._items.popitem(last=False)
                self._bytes -= evicted

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
