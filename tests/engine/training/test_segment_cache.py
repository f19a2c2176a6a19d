"""The in-memory segment cache gives exactly the clips the analysis decodes, and refuses without memory."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.analysis.jobs import split_job
from cabinlens.engine.analysis.runner import load_clip
from cabinlens.engine.video.pool import ReaderPool
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.errors import InputError
from cabinlens.engine.models.registry import default_spec
from cabinlens.engine.training import segment_cache
from cabinlens.engine.training.segment_cache import SegmentCache
from cabinlens.engine.video.sampling import sample_indices


@pytest.fixture(scope="module")
def samples(synth_small):
    spec = default_spec("c3d_small", DRIVEACT_MIDLEVEL_CLASSES)
    job = split_job(synth_small, spec, split=0, subset="val")
    return spec, job.samples[::9]  # a spread over both val videos


def test_clips_from_the_cache_equal_decoded_clips(samples):
    spec, chosen = samples
    cache = SegmentCache(chosen, spec.input, workers=2)
    readers = ReaderPool()
    try:
        for i, s in enumerate(chosen):
            want = load_clip(readers, s, spec)
            got = cache.clip(i, sample_indices(s.frame_start, s.frame_end, spec.input.frames, spec.input.sampling))
            assert got.shape == want.shape and np.array_equal(got, want)
    finally:
        readers.close()
    seg = cache.segments[0]
    assert seg.ndim == 3  # gray video: one channel kept
    assert cache.nbytes == sum(s.frame_end - s.frame_start for s in chosen) * 112 * 112


def test_the_cache_refuses_when_memory_is_short(samples, monkeypatch):
    spec, chosen = samples
    monkeypatch.setattr(segment_cache, "available_memory", lambda: 1024)
    with pytest.raises(InputError, match="train without the cache"):
        SegmentCache(chosen, spec.input)
