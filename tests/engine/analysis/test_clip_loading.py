"""Overlapping sweep windows decode each video frame once, and give the clips the one-clip path gives."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.analysis.clip_loading import ClipLoader
from cabinlens.engine.analysis.prefetch import prefetch
from cabinlens.engine.analysis.runner import load_clip
from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.models.registry import default_spec
from cabinlens.engine.video.pool import ReaderPool
from cabinlens.engine.video.reader import VideoReader
from media import write_h264

FRAMES, WINDOW, STRIDE = 150, 16, 4


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_h264(tmp_path_factory.mktemp("sweep") / "session.mp4", n=FRAMES, gop=60, bframes=3)


@pytest.fixture
def decoded(monkeypatch) -> list[int]:
    """Pictures output by every reader's decoder (converted to numpy or not)."""
    count = [0]
    original = VideoReader._decode

    def counting(self, stream, packet, tracker):
        frames = original(self, stream, packet, tracker)
        count[0] += len(frames)
        return frames

    monkeypatch.setattr(VideoReader, "_decode", counting)
    return count


def windows(video) -> list[SampleRecord]:
    return [SampleRecord("s", str(video), start, start + WINDOW, -1, "", -1, -1)
            for start in range(0, FRAMES - WINDOW + 1, STRIDE)]


def test_a_sweep_with_overlapping_windows_decodes_each_frame_about_once(video, decoded):
    spec = default_spec("c3d_small", ("a", "b"))
    # A reader cache of a few pictures, as at 1280x1024: it cannot hide decoding a frame again.
    loader = ClipLoader(spec, ReaderPool(cache_bytes=4 * 192 * 160 * 3 // 2))
    try:
        for sample in windows(video):
            loader.load(sample)
    finally:
        loader.close()
    assert decoded[0] <= 1.1 * FRAMES  # not WINDOW / STRIDE = 4 times as many


def test_clips_equal_the_one_clip_path_frame_for_frame(video):
    spec = default_spec("c3d_small", ("a", "b"))
    readers = ReaderPool()
    try:
        want = {k: load_clip(readers, s, spec) for k, s in enumerate(windows(video))}
    finally:
        readers.close()
    got = dict(prefetch(list(enumerate(windows(video))), spec, workers=2, ahead=4, block=5))
    assert sorted(got) == sorted(want)
    for k, clip in want.items():
        np.testing.assert_array_equal(got[k], clip)
