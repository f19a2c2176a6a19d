"""Clips decoded ahead of inference, by threads in this process or by decoding processes.

``prefetch`` is the one entry point: analysis, training and the decoder probe all take clips from
it, so a choice made for one (how many workers, threads or processes, which decoder) holds for all.
Threads share this process's readers and cost nothing to start; processes
(``engine.analysis.decode_processes``) each have a GIL of their own, so a busy Python thread
beside them (the one driving a GPU) does not slow them down (``engine.analysis.decode_workers``
decides which, with the measurements).
"""

from __future__ import annotations

import ctypes
import queue
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from cabinlens.engine.analysis.clip_loading import ClipLoader, SampleFailed
from cabinlens.engine.analysis.decode_workers import reader_threads
from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.models.spec import ModelSpec
from cabinlens.engine.video.hardware import Decoder
from cabinlens.engine.video.pool import ReaderPool

#: Consecutive samples a worker takes at a time and decodes in video order.
BLOCK = 12


def prefetch(samples: Sequence[tuple[int, SampleRecord]], spec: ModelSpec, workers: int, ahead: int,
             block: int = BLOCK, threads: int | None = None, decoder: Decoder = "cpu",
             processes: bool = False) -> Iterator[tuple[int, np.ndarray | SampleFailed]]:
    """(index, clip) pairs decoded by ``workers`` threads, at most ``ahead`` clips in advance.

    Each thread takes ``block`` consecutive samples at a time and decodes them in video order with
    its own readers (``ClipLoader``), so a reader moves forward through a video instead of every
    thread decoding the frames between its clips, and overlapping windows decode their shared
    frames once. Pairs come in completion order (results are stored by index). ``threads``: FFmpeg
    threads per reader (default: the threads share the usable cores, ``decode_workers.reader_threads``);
    ``decoder``: where the readers decode (``engine.video.hardware``). ``processes``: the workers
    are decoding processes instead (``engine.analysis.decode_processes``), same clips, same order
    rules, with blocks in flight instead of ``ahead`` clips.
    A sample that cannot be decoded comes as a ``SampleFailed`` in place of its clip.
    """
    threads = reader_threads(workers) if threads is None else threads
    if processes:
        from cabinlens.engine.analysis.decode_processes import process_prefetch

        yield from process_prefetch(samples, spec, workers, block=block, threads=threads, decoder=decoder)
        return
    loader = ClipLoader(spec, ReaderPool(threads=threads, decoder=decoder))
    blocks: queue.Queue = queue.Queue()
    for k in range(0, len(samples), block):  # a block near a playhead alternates sides: read it forward
        blocks.put(sorted(samples[k : k + block], key=lambda item: (item[1].video, item[1].frame_start)))
    out: queue.Queue = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()
    done_marker = object()

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    chunk = blocks.get_nowait()
                except queue.Empty:
                    return
                for idx, sample in chunk:
                    if stop.is_set():
                        return
                    try:
                        clip: np.ndarray | SampleFailed = loader.load(sample)
                    except CabinLensError as exc:  # this sample only: the batch around it is still stored
                        clip = SampleFailed(sample, exc)
                    _put(out, (idx, clip), stop)
        except BaseException as exc:  # handed to the consumer, which raises it
            _put(out, (None, exc), stop)
        finally:
            _put(out, (None, done_marker), stop)

    threads = [threading.Thread(target=work, name=f"cabinlens-decode-{i}") for i in range(max(1, workers))]
    for t in threads:
        t.start()
    try:
        finished = 0
        while finished < len(threads):
            idx, item = out.get()
            if item is done_marker:
                finished += 1
            elif idx is None:
                raise item
            else:
                yield idx, item
    finally:
        stop.set()
        while any(t.is_alive() for t in threads):
            try:  # unblock workers waiting on a full queue
                out.get(timeout=0.05)
            except queue.Empty:
                pass
        for t in threads:
            t.join()
        loader.close()
        release_free_memory()


def release_free_memory() -> None:
    """Give freed heap memory back to the OS (glibc keeps it in per-thread arenas otherwise).

    Decoding threads allocate and free frames in their own malloc arenas; without a trim, the
    resident size of a long session creeps up with every analysis although nothing is alive.
    """
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6")
            _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc = None


def _put(out: queue.Queue, item, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
