"""Every frame of each training segment, decoded once at the model's input size and kept in memory.

Why: training from scratch takes dozens of epochs, and decoding every clip again in every epoch
makes the CPU, not the model, the bottleneck (on a GPU machine by a factor of ten and more). Each
video is decoded once, sequentially, in worker threads; a frame is resized exactly as the
analysis resizes it (``resize_frames``), so a clip cut from the cache equals ``load_clip``'s.
Gray videos (three equal channels, as Drive&Act's NIR views) are kept with one channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import InputError
from cabinlens.engine.models.spec import InputSpec, resize_frames
from cabinlens.engine.video.reader import VideoReader


def available_memory() -> int | None:
    """Bytes the system can still hand out (MemAvailable), or None where it cannot tell."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class SegmentCache:
    """Decoded, resized frames of ``samples[i]``'s segment; ``clip(i, indices)`` cuts a clip."""

    def __init__(self, samples: Sequence[SampleRecord], spec: InputSpec, *, workers: int = 2,
                 memory_fraction: float = 0.6) -> None:
        self.spec = spec
        self.starts = [s.frame_start for s in samples]
        h, w = spec.size
        frames = sum(s.frame_end - s.frame_start for s in samples)
        need = frames * h * w  # one channel per frame; colour videos take three times this
        free = available_memory()
        if free is not None and need > memory_fraction * free:
            raise InputError(samples[0].video if samples else "", f"caching {frames} frames needs about "
                             f"{need / 2**30:.1f} GiB (more for colour); only {free / 2**30:.1f} GiB is free: "
                             "train without the cache")
        self.segments: list[np.ndarray | None] = [None] * len(samples)
        by_video: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(samples):
            by_video[s.video].append(i)
        with ThreadPoolExecutor(max(1, min(workers, len(by_video) or 1)), thread_name_prefix="cabinlens-cache") as pool:
            for future in [pool.submit(self._decode_video, v, [(i, samples[i]) for i in items])
                           for v, items in by_video.items()]:
                future.result()  # re-raises a decoding error, naming the video

    def _decode_video(self, video: str, items: list[tuple[int, SampleRecord]]) -> None:
        h, w = self.spec.size
        covering: dict[int, list[int]] = defaultdict(list)
        buffers: dict[int, np.ndarray] = {}
        for i, s in items:
            buffers[i] = np.empty((s.frame_end - s.frame_start, h, w, 3), dtype=np.uint8)
            for f in range(s.frame_start, s.frame_end):
                covering[f].append(i)
        first, last = min(covering), max(covering) + 1
        with VideoReader(video, cache_bytes=2**20) as reader:
            if last > reader.frame_count:
                raise InputError(video, f"has {reader.frame_count} frames; the annotation needs frames up to {last - 1}")
            for f, frame in reader.iter_frames(first, last):
                owners = covering.get(f)
                if owners:
                    small = resize_frames(frame[None], self.spec)[0]
                    for i in owners:
                        buffers[i][f - self.starts[i]] = small
        for i, buf in buffers.items():
            gray = np.array_equal(buf[..., 0], buf[..., 1]) and np.array_equal(buf[..., 0], buf[..., 2])
            self.segments[i] = np.ascontiguousarray(buf[..., 0]) if gray else buf

    @property
    def nbytes(self) -> int:
        return sum(seg.nbytes for seg in self.segments if seg is not None)

    def clip(self, i: int, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """(T, h, w, 3) uint8 frames at absolute frame ``indices`` of sample ``i``'s segment."""
        seg = self.segments[i]
        assert seg is not None
        frames = seg[np.asarray(indices) - self.starts[i]]
        return np.repeat(frames[..., None], 3, axis=3) if frames.ndim == 3 else frames
