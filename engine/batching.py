"""How many clips go through the model at once, and what happens when they do not fit.

On CUDA, unless the user fixes it, the batch size comes from free device memory: a probe runs
one and then two blank clips and reads the peak memory of each; the difference is one clip's
share, the rest is the fixed cost (kernel workspaces, the graph after the CAM layer's first
clip). The batch takes ``FILL`` of what is free, up to ``MAX_BATCH``. On the CPU the size is the
user's (``CPU_BATCH`` by default), as it always was.

A batch that still runs out of device memory (another process took some, the cache is
fragmented) is not lost: it is split in halves and each half retried, so every clip is computed
exactly once, and later batches keep the smaller size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import torch

from cabinlens.engine.errors import CabinLensError

CPU_BATCH = 8  # the CPU's batch: large enough to amortise per-batch costs, small enough to yield often
MAX_BATCH = 64  # beyond this a GPU gains little, and progress and abort checks come too rarely
FILL = 0.8  # of the free memory: the caching allocator fragments, and other processes may grow

T = TypeVar("T")


class DeviceMemoryError(CabinLensError):
    """Not even one clip fits in the device's free memory."""


def batch_from_memory(free: int, per_clip: int, fixed: int = 0, *, cap: int = MAX_BATCH, fill: float = FILL) -> int:
    """Clips that fit in ``fill`` of ``free`` bytes at ``per_clip`` bytes each after ``fixed``; 1..cap."""
    room = int(free * fill) - max(0, fixed)
    return max(1, min(cap, room // max(1, per_clip)))


def free_memory(device: torch.device) -> int:
    """Bytes free on a CUDA device, after giving the allocator's cached blocks back."""
    torch.cuda.empty_cache()
    free, _total = torch.cuda.mem_get_info(device)
    return int(free)


def probe_peaks(run: Callable[[int], object], device: torch.device) -> tuple[int, int]:
    """Peak bytes allocated above the current level while ``run(1)`` and ``run(2)`` compute."""
    peaks = []
    for n in (1, 2):
        torch.cuda.synchronize(device)
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        run(n)
        torch.cuda.synchronize(device)
        peaks.append(torch.cuda.max_memory_allocated(device) - base)
    return peaks[0], peaks[1]


def cuda_batch_size(run: Callable[[int], object], device: torch.device, *, cap: int = MAX_BATCH) -> int:
    """The batch for ``run`` (computes n blank clips) on ``device``, from a probe and the free memory."""
    one, two = probe_peaks(run, device)
    per_clip = two - one
    if per_clip <= two // 8:  # a workspace that changed with the batch hides the clip's share: assume half
        per_clip = max(1, two // 2)
    fixed = max(0, one - per_clip)
    return batch_from_memory(free_memory(device), per_clip, fixed, cap=cap)


def run_halving(items: Sequence[T], size: int, run: Callable[[Sequence[T]], int],
                on_shrink: Callable[[int], None] | None = None) -> tuple[int, int]:
    """``run`` over consecutive pieces of ``items`` of at most ``size``; (sum of what it returned, size now).

    A piece that runs out of device memory is retried in halves, down to one clip; ``run`` must
    store nothing of a piece that raised. One clip that does not fit raises ``DeviceMemoryError``.
    """
    done, k = 0, 0
    size = max(1, size)
    while k < len(items):
        piece = items[k : k + size]
        try:
            done += run(piece)
        except torch.cuda.OutOfMemoryError as exc:
            torch.cuda.empty_cache()
            if len(piece) == 1:
                raise DeviceMemoryError("one clip does not fit in the device's free memory; close other GPU "
                                        "programs, or analyse on another device (--device)") from exc
            size = max(1, len(piece) // 2)
            if on_shrink is not None:
                on_shrink(size)
            continue
        k += len(piece)
    return done, size
