"""How many workers decode clips for an analysis, whether they are threads or processes, and how
many FFmpeg threads each reader gets.

Measured at 1280x1024 (tests/bench/bench_decode_workers.py, 2 cores, idle): beside a busy Python
thread, a decoding thread decodes 9.4x slower (median of 3; 7.9-11.4x) and a decoding process
1.16x slower. A thread gives the GIL up for every C call (PyAV's decode and conversion, OpenCV's
resize) and then waits up to the switch interval, 5 ms, to get it back from the busy thread, once
per packet; a process has a GIL of its own and only hands over blocks of clips. Beside a GPU the
main thread is that busy thread (launching kernels, staging batches), and decoding is the
bottleneck at 1280x1024: every usable core but one decodes, in processes for any job of at least
``PROCESS_MIN_CLIPS`` clips (they start in 2 s the first time, 0.14 s later; ``decode_processes``).
Beside CPU inference the main thread spends its time inside torch's kernels, which release the GIL,
and inference needs the cores itself: two decode threads keep clips ahead of it; more than
``THREAD_LIMIT`` workers asked for are processes. Each reader gets an equal share of the cores for
FFmpeg's own threads, so the workers do not oversubscribe the machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.video.reader import usable_cores

#: Most decoding workers asked for (``--workers``) that decode in threads under ``--decode-in auto``.
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

    ``decode_in`` auto: processes for at least ``PROCESS_MIN_CLIPS`` clips beside a GPU, or where
    more workers than ``THREAD_LIMIT`` are asked for; threads otherwise.
    """
    if decode_in not in DECODE_IN:
        raise CabinLensError(f"unknown --decode-in {decode_in!r} (use {', '.join(DECODE_IN)})")
    cores = cores or decode_cores()
    threads = DecodePlan(decode_workers(device, requested, cores))
    if decode_in == "threads":
        return threads
    beside_gpu = str(device).startswith("cuda")
    # Processes are not held to the threads' cap: each has a GIL of its own.
    workers = max(2, min(cores - 1, MAX_PROCESSES)) if beside_gpu and not requested else threads.workers
    if decode_in == "processes" or (clips >= PROCESS_MIN_CLIPS and (beside_gpu or workers > THREAD_LIMIT)):
        return DecodePlan(workers, processes=True)
    return threads


def reader_threads(workers: int, cores: int | None = None) -> int:
    """FFmpeg threads per reader so that ``workers`` decoding threads share the cores."""
    cores = cores or decode_cores()
    return max(1, cores // max(1, workers))
