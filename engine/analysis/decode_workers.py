"""How many threads decode clips for an analysis, and how many FFmpeg threads each reader gets.

Measured at 1280x1024 (tests/bench/bench_decode_workers.py, 2 cores): a decoding thread holds the
GIL for 12-19 % of its time (the reader's per-packet Python; PyAV decodes and converts and OpenCV
resizes without it), so threads scale to about 5-8 before the GIL binds. Beside a GPU, decoding is
the bottleneck at 1280x1024: every usable core but one (which feeds the GPU) decodes, up to that
limit; more cores would need decoding processes, which the engine does not have yet. On the CPU,
inference needs the cores itself: two decode threads keep clips ahead of it. Each reader gets an
equal share of the cores for FFmpeg's own threads, so the threads do not oversubscribe the machine.
"""

from __future__ import annotations

from cabinlens.engine.video.reader import usable_cores

#: Decode threads beside a GPU are capped where the GIL binds (about 1 / 12.6 % measured): past
#: this, memory for readers and clips grows with no gain. FFmpeg's own threads still use every core.
MAX_GPU_WORKERS = 8


def decode_workers(device: str, requested: int | None = None, cores: int | None = None) -> int:
    """Decode threads for an analysis on ``device`` ("cpu", "cuda", "cuda:1"; ``requested`` wins)."""
    if requested:
        return max(1, requested)
    cores = cores or usable_cores()
    if str(device).startswith("cuda"):
        return max(2, min(cores - 1, MAX_GPU_WORKERS))
    return max(1, min(2, cores))


def reader_threads(workers: int, cores: int | None = None) -> int:
    """FFmpeg threads per reader so that ``workers`` decoding threads share the cores."""
    cores = cores or usable_cores()
    return max(1, cores // max(1, workers))
