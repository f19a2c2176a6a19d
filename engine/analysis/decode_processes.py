"""Clips decoded in worker processes, each with a GIL of its own.

A decoding thread gives the GIL up for every C call and waits for it again behind whatever Python
runs beside it: beside a busy Python thread it decodes 9.4x slower, a decoding process 1.16x
(tests/bench/bench_decode_workers.py --gil-only; ``decode_workers`` says when processes are used).
The workers are torch ``DataLoader`` workers: its worker loop hands finished clips back through
shared memory (no copy through a pipe), notices a worker that died (a crash inside FFmpeg ends
that process, not the application) and shuts every worker down when the consumer stops early.

Each worker takes a block of consecutive samples at a time and decodes it in video order with its
own readers (``ClipLoader``), as a decoding thread does, so the clips equal the threads' clips.
Workers are never forked from this process: the engine runs beside Qt's and torch's threads, which
a fork would copy in an unknown state. They are forked by a fork server, a fresh single-threaded
interpreter started once that imports torch and this module first: a worker then starts in a
fraction of a second and shares those pages with its siblings (spawning each would import torch
again, 2 s and about 290 MB of private memory per worker).
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from cabinlens.engine.analysis.clip_loading import ClipLoader, SampleFailed
from cabinlens.engine.analysis.decode_workers import MAX_GPU_THREADS, DecodePlan
from cabinlens.engine.analysis.prefetch import BLOCK
from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.models.spec import ModelSpec
from cabinlens.engine.video.hardware import Decoder
from cabinlens.engine.video.pool import ReaderPool

#: Blocks each worker has queued or in hand (DataLoader's ``prefetch_factor``).
BLOCKS_AHEAD = 2
#: Shared memory the clips in flight may take at most (and at most half of what /dev/shm has free).
IN_FLIGHT_BYTES = 2 * 2**30
SHARED_MEMORY = "/dev/shm"


class ProcessesUnavailable(CabinLensError):
    """Decoding processes cannot run here (too little shared memory); threads decode instead."""


def clip_bytes(spec: ModelSpec) -> int:
    h, w = spec.input.size
    return spec.input.frames * h * w * 3


def shared_memory_free(path: str = SHARED_MEMORY) -> int | None:
    """Bytes free in the shared-memory file system clips travel through; None where there is none to ask."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def process_block(spec: ModelSpec, workers: int, block: int, free: int | None) -> int:
    """Samples per block so that the clips in flight fit in shared memory (containers often give 64 MB).

    Raises ``ProcessesUnavailable`` when not even one clip per worker fits.
    """
    room = IN_FLIGHT_BYTES if free is None else min(IN_FLIGHT_BYTES, free // 2)
    fits = room // max(1, workers * BLOCKS_AHEAD * clip_bytes(spec))
    if fits < 1:
        need = workers * BLOCKS_AHEAD * clip_bytes(spec) * 2
        raise ProcessesUnavailable(
            f"{SHARED_MEMORY} has {(free or 0) / 2**20:.0f} MB free, and {workers} decoding processes need "
            f"{need / 2**20:.0f} MB for their clips: decoding in threads (a container can be given more with "
            f"--shm-size)")
    return int(max(1, min(block, fits)))


class _Blocks(Dataset):
    """Item k: the (index, clip or SampleFailed) pairs of block k, decoded by the worker that takes it."""

    def __init__(self, blocks: list[list[tuple[int, SampleRecord]]], spec: ModelSpec, threads: int,
                 decoder: Decoder) -> None:
        self.blocks, self.spec, self.threads, self.decoder = blocks, spec, threads, decoder
        self.loader: ClipLoader | None = None  # made in the worker, never pickled with a reader inside

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, k: int) -> list[tuple[int, torch.Tensor | SampleFailed]]:
        if self.loader is None:
            self.loader = ClipLoader(self.spec, ReaderPool(threads=self.threads, decoder=self.decoder))
        out: list[tuple[int, torch.Tensor | SampleFailed]] = []
        for idx, sample in self.blocks[k]:
            try:
                out.append((idx, torch.from_numpy(self.loader.load(sample))))
            except CabinLensError as exc:  # this sample only: the blocks around it are still decoded
                out.append((idx, SampleFailed(sample, exc)))
        return out

    def __getstate__(self) -> dict:
        return {**self.__dict__, "loader": None}


def _as_is(item):
    return item


def _worker_start(_worker: int) -> None:
    """OpenCV's resize pool would take every core in every worker; FFmpeg's threads are set per reader."""
    import cv2

    cv2.setNumThreads(1)


def _context() -> multiprocessing.context.BaseContext:
    """The fork-server context, its server preloading what every worker needs (started on first use)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["torch", __name__])
    return context


def process_prefetch(samples: Sequence[tuple[int, SampleRecord]], spec: ModelSpec, workers: int,
                     block: int, threads: int, decoder: Decoder = "cpu",
                     free: int | None = None) -> Iterator[tuple[int, np.ndarray | SampleFailed]]:
    """(index, clip) pairs decoded by ``workers`` processes, in completion order.

    What is in flight is ``BLOCKS_AHEAD`` blocks per worker, blocks shrunk to fit shared memory
    (``free``: bytes free there, default: asked).
    """
    block = process_block(spec, workers, block, shared_memory_free() if free is None else free)
    blocks = [sorted(samples[k : k + block], key=lambda item: (item[1].video, item[1].frame_start))
              for k in range(0, len(samples), block)]
    if not blocks:
        return
    with warnings.catch_warnings():  # more workers than cores: asked for (--workers), said by the plan
        warnings.filterwarnings("ignore", message="This DataLoader will create", category=UserWarning)
        loader = DataLoader(_Blocks(blocks, spec, threads, decoder), batch_size=None, shuffle=False,
                            num_workers=min(workers, len(blocks)), collate_fn=_as_is, prefetch_factor=BLOCKS_AHEAD,
                            multiprocessing_context=_context(), worker_init_fn=_worker_start, in_order=False)
        it = iter(loader)
    try:
        while True:
            try:
                pairs = next(it)
            except StopIteration:
                return
            except (RuntimeError, OSError, EOFError) as exc:
                # A worker that died: DataLoader notices it (RuntimeError), or the clips it had sent lose
                # their shared memory on the way (the connection handing over their file descriptors resets).
                if isinstance(exc, RuntimeError) and "worker (pid" not in str(exc):
                    raise
                raise CabinLensError(f"a decoding process stopped unexpectedly ({type(exc).__name__}: {exc}); what "
                                     "was stored is kept, and the same command resumes (--decode-in threads avoids "
                                     "processes)") from exc
            for idx, clip in pairs:
                yield idx, clip if isinstance(clip, SampleFailed) else clip.numpy()
    finally:
        shutdown = getattr(it, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()


def processes_fit(plan: DecodePlan, spec: ModelSpec, free: int | None = None) -> tuple[DecodePlan, str]:
    """``plan``, or threads where its processes' clips do not fit in shared memory; and what to tell the user."""
    if not plan.processes:
        return plan, ""
    try:
        process_block(spec, plan.workers, BLOCK, shared_memory_free() if free is None else free)
    except ProcessesUnavailable as exc:
        return DecodePlan(min(plan.workers, MAX_GPU_THREADS)), str(exc)
    return plan, f"decoding in {plan.workers} processes"
