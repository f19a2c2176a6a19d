"""Video readers kept per thread across clips: opening one indexes the whole file, so a decoding
thread that moves from clip to clip keeps its readers (a few, least recently used closed).

Shared by the analysis runner's prefetch threads and the trainer's data loading.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from cabinlens.engine.video.hardware import Decoder
from cabinlens.engine.video.reader import VideoReader


class ReaderPool:
    """Per-thread video readers (a few per thread, least recently used closed), all closed at the end.

    Opening a reader indexes the whole file, so readers are kept across clips; one that falls out
    of a thread's cache is closed and forgotten at once (keeping closed readers around would keep
    their packet indexes alive: gigabytes over a training run that jumps between videos).
    """

    def __init__(self, per_thread: int = 8, cache_bytes: int = 16 * 2**20, threads: int = 0,
                 decoder: Decoder = "cpu") -> None:
        """``threads``: FFmpeg threads per reader (0: the reader's default, one per usable core);
        several decoding threads each share the cores rather than each taking all of them.
        ``decoder``: where the readers decode (``engine.video.hardware``)."""
        self.local = threading.local()
        self.per_thread = per_thread
        self.cache_bytes = cache_bytes
        self.threads = threads
        self.decoder = decoder
        self.all: set[VideoReader] = set()
        self.lock = threading.Lock()

    def get(self, path: str) -> VideoReader:
        cache: OrderedDict[str, VideoReader] | None = getattr(self.local, "cache", None)
        if cache is None:
            cache = self.local.cache = OrderedDict()
        if path in cache:
            cache.move_to_end(path)
            return cache[path]
        reader = VideoReader(path, cache_bytes=self.cache_bytes, threads=self.threads, decoder=self.decoder)
        with self.lock:
            self.all.add(reader)
        cache[path] = reader
        while len(cache) > self.per_thread:
            _, old = cache.popitem(last=False)
            old.close()
            with self.lock:
                self.all.discard(old)
        return reader

    def open_count(self) -> int:
        with self.lock:
            return len(self.all)

    def close(self) -> None:
        with self.lock:
            for reader in self.all:
                reader.close()
            self.all.clear()
