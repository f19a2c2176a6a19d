"""How many workers decode clips for an analysis, whether they are threads or processes, and how
many FFmpeg threads each reader gets.

Measured at 1280x1024 (tests/bench/bench_decode_workers.py, 2 cores): a decoding thread holds the
GIL for 12-19 % of its time (the reader's per-packet Python; PyAV decodes and converts and OpenCV
resizes without it), so threads scale to about 5-8 before the GIL binds; a decoding process does
not take the GIL of the process that runs the model at all. Beside a GPU, decoding is the
bottleneck at 1280x1024: every usable core but one (which feeds the GPU) decodes. Up to
``THREAD_LIMIT`` workers are threads (nothing to start, no shared memory); more are processes
(``engine.analysis.decode_processes``), which start in a second or two and need shared memory for
the clips in flight, so a job must be big enough to pay for them. On the CPU, inference needs the
cores itself: two decode threads keep clips ahead of it. Each reader gets an equal share of the
cores for FFmpeg's own threads, so the workers do not oversubscribe the machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.video.reader import usable_cores

#: Most decode threads: past about 1 / 12.6 % (the measured GIL share) they contend for the GIL.
#: Half that keeps each thread's wait for the GIL short.
THREAD_LIMIT = 4
#: Most decoding threads when the user asks for threads (``--decode-in threads``) beside a GPU.
MAX_GPU_THREADS = 8
#: Most decoding processes (each imports torch: about 200 MB of memory of its own).
MAX_PROCESSES = 32
#: Fewest clips for which starting processes pays (start-up is 1-2 s; threads decode ~5 clips/s/core).
PROCESS_MIN_CLIPS = 64
DECODE_IN = ("auto", "threads", "processes")


@dataclass(frozen=True)
class DecodePlan:
    """Who decodes: ``workers`` threads, or processes when ``processes``."""

    workers: int
    processes: bool = False

    def describe(self) -> str:
        return f"{self.workers} decoding {'processes' if self.processes else 'threads'}"


def decode_cores() -> int:
    """Cores this process's decoding may use: its affinity, shared with the other ranks torchrun started
    on this machine (``LOCAL_WORLD_SIZE``), which would otherwise each take them all."""
    try:
        ranks = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        ranks = 1
    return max(1, usable_cores() // ranks)


def decode_workers(device: str, requested: int | None = None, cores: int | None = None) -> int:
    """Decode threads for an analysis on ``device`` ("cpu", "cuda", "cuda:1"; ``requested`` wins)."""
    if requested:
        return max(1, requested)
    cores = cores or decode_cores()
    if str(device).startswith("cuda"):
        return max(2, min(cores - 1, MAX_GPU_THREADS))
    return max(1, min(2, cores))


def decode_plan(device: str, requested: int | None = None, decode_in: str = "auto", clips: int = 0,
                cores: int | None = None) -> DecodePlan:
    """Workers for ``clips`` clips on ``device``: ``requested`` (None: from the cores) threads or processes.

    ``decode_in`` auto: processes where there are more workers than ``THREAD_LIMIT`` and at least
    ``PROCESS_MIN_CLIPS`` clips; threads otherwise.
    """
    if decode_in not in DECODE_IN:
        raise CabinLensError(f"unknown --decode-in {decode_in!r} (use {', '.join(DECODE_IN)})")
    cores = cores or decode_cores()
    if decode_in == "threads":
        return DecodePlan(decode_workers(device, requested, cores))
    if requested:
        workers = max(1, requested)
    elif str(device).startswith("cuda"):
        workers = max(2, min(cores - 1, MAX_PROCESSES))
    else:
        workers = max(1, min(2, cores))
    if decode_in == "processes" or (workers > THREAD_LIMIT and clips >= PROCESS_MIN_CLIPS):
        return DecodePlan(workers, processes=True)
    return DecodePlan(workers if requested else min(workers, MAX_GPU_THREADS))


def reader_threads(workers: int, cores: int | None = None) -> int:
    """FFmpeg threads per reader so that ``workers`` decoding threads share the cores."""
    cores = cores or decode_cores()
    return max(1, cores // max(1, workers))
