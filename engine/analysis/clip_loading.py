"""Clips for analysis, each video frame decoded and resized once even where windows overlap.

A session sweep's windows overlap (window 16, stride 4: every frame is in four windows). Decoding
each window on its own asks the reader for frames behind its parked decoder, which it can only
give from its picture cache; at 1280x1024 that cache holds a handful of pictures, so every window
went back to its keyframe: 22.6 pictures decoded per video frame, 36x one sequential pass
(tests/bench/bench_sweep_decode.py). Here each decoding thread keeps the frames it resized last,
so a window asks the reader only for the frames it has not seen, which lie ahead of the parked
decoder: decoding moves forward, each picture once.
"""

from __future__ import annotations

import threading

import numpy as np

from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import CabinLensError, InputError
from cabinlens.engine.models.spec import ModelSpec, resize_frames
from cabinlens.engine.video.cache import FrameCache
from cabinlens.engine.video.pool import ReaderPool
from cabinlens.engine.video.sampling import sample_indices

#: Resized frames kept per decoding thread: several windows of a 64-frame 224² model.
RESIZED_BYTES = 48 * 2**20


class ClipLoader:
    """Decodes the spec's sampled frames of samples, per thread, reusing frames resized before.

    Clips equal ``runner.load_clip``'s frame for frame (resizing is per frame either way).
    """

    def __init__(self, spec: ModelSpec, readers: ReaderPool | None = None, resized_bytes: int = RESIZED_BYTES) -> None:
        self.spec = spec
        self.readers = readers or ReaderPool()
        self.resized_bytes = resized_bytes
        self.local = threading.local()

    def load(self, sample: SampleRecord) -> np.ndarray:
        """(T, h, w, 3) uint8: the sampled frames of ``sample``, resized to the spec's input."""
        cache: FrameCache | None = getattr(self.local, "cache", None)
        if cache is None:
            cache = self.local.cache = FrameCache(self.resized_bytes)
        indices = [int(i) for i in sample_indices(sample.frame_start, sample.frame_end, self.spec.input.frames,
                                                  self.spec.input.sampling)]
        got = {i: cache.get((sample.video, i)) for i in dict.fromkeys(indices)}
        missing = [i for i, frame in got.items() if frame is None]
        if missing:
            resized = resize_frames(self.readers.get(sample.video).frames(missing), self.spec.input)
            for i, frame in zip(missing, resized, strict=True):
                got[i] = frame
                cache.put((sample.video, i), frame)
        return np.stack([got[i] for i in indices])

    def close(self) -> None:
        self.readers.close()


class SampleFailed:
    """A sample whose clip could not be decoded (a damaged stream found only now), in place of its clip."""

    def __init__(self, sample: SampleRecord, error: CabinLensError) -> None:
        self.sample, self.error = sample, error

    def as_error(self, stored: int) -> InputError:
        s = self.sample
        problem = getattr(self.error, "problem", str(self.error))
        return InputError(s.video, f"frames {s.frame_start}..{s.frame_end - 1} of {s.file_id} cannot be decoded: "
                                   f"{problem} ({stored} samples are stored; the same command resumes)")
