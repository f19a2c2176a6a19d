"""Decoding processes give the threads' clips, report a sample they cannot decode, stop when asked,
and step aside for threads where shared memory is too small for their clips."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import numpy as np
import pytest

from cabinlens.engine.analysis.clip_loading import SampleFailed
from cabinlens.engine.analysis.decode_processes import (
    BLOCKS_AHEAD,
    ProcessesUnavailable,
    clip_bytes,
    process_block,
    processes_fit,
)
from cabinlens.engine.analysis.decode_workers import DecodePlan
from cabinlens.engine.analysis.prefetch import prefetch
from cabinlens.engine.analysis.runner import load_clip
from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.models.registry import default_spec
from cabinlens.engine.video.pool import ReaderPool
from media import write_h264

FRAMES, WINDOW, STRIDE = 120, 16, 8


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("processes")
    return [write_h264(folder / f"run{k}.mp4", n=FRAMES, gop=40, bframes=2, seed=k) for k in range(2)]


def windows(videos) -> list[SampleRecord]:
    return [SampleRecord(f"run{k}", str(video), start, start + WINDOW, -1, "", -1, -1)
            for k, video in enumerate(videos) for start in range(0, FRAMES - WINDOW + 1, STRIDE)]


def test_processes_give_the_one_clip_paths_clips_and_name_a_sample_they_cannot_decode(videos, tmp_path):
    spec = default_spec("c3d_small", ("a", "b"))
    samples = windows(videos)
    readers = ReaderPool()
    try:
        want = {k: load_clip(readers, s, spec) for k, s in enumerate(samples)}
    finally:
        readers.close()
    missing = SampleRecord("gone", str(tmp_path / "gone.mp4"), 0, WINDOW, -1, "", -1, -1)
    todo = list(enumerate(samples)) + [(len(samples), missing)]
    got = dict(prefetch(todo, spec, workers=2, ahead=4, block=3, processes=True))
    failed = got.pop(len(samples))
    assert isinstance(failed, SampleFailed) and "gone.mp4" in str(failed.as_error(0))
    assert sorted(got) == sorted(want)
    for k, clip in want.items():
        np.testing.assert_array_equal(got[k], clip)
    assert not multiprocessing.active_children()


def test_processes_start_from_a_worker_thread_as_the_windows_engine_runs_them(videos):
    spec = default_spec("c3d_small", ("a", "b"))
    samples = list(enumerate(windows(videos)))[:6]
    got: dict = {}
    thread = threading.Thread(target=lambda: got.update(prefetch(samples, spec, workers=2, ahead=2, block=2,
                                                                 processes=True)))
    thread.start()
    thread.join(60)
    assert sorted(got) == [i for i, _ in samples] and all(isinstance(c, np.ndarray) for c in got.values())


def test_a_consumer_that_stops_early_stops_the_processes(videos):
    spec = default_spec("c3d_small", ("a", "b"))
    clips = prefetch(list(enumerate(windows(videos))), spec, workers=2, ahead=2, block=2, processes=True)
    assert next(clips)[1].shape == (spec.input.frames, *spec.input.size, 3)
    clips.close()
    assert not multiprocessing.active_children()


def test_blocks_shrink_to_fit_shared_memory_and_threads_decode_where_not_one_clip_fits():
    spec = default_spec("i3d_small", ("a", "b"))
    one = clip_bytes(spec)
    assert process_block(spec, 4, 12, free=None) == 12
    assert process_block(spec, 4, 12, free=2 * 4 * BLOCKS_AHEAD * one * 3) == 3
    with pytest.raises(ProcessesUnavailable, match="/dev/shm has 64 MB free"):
        process_block(default_spec("i3d", ("a", "b")), 15, 12, free=64 * 2**20)
    plan, why = processes_fit(DecodePlan(15, processes=True), default_spec("i3d", ("a", "b")), free=64 * 2**20)
    assert plan == DecodePlan(8) and "decoding in threads" in why and "--shm-size" in why
    assert processes_fit(DecodePlan(2), spec, free=0) == (DecodePlan(2), "")


def test_a_decoding_process_that_dies_is_reported_not_hung_on(videos):
    spec = default_spec("c3d_small", ("a", "b"))
    clips = prefetch(list(enumerate(windows(videos) * 4)), spec, workers=2, ahead=2, block=1, processes=True)
    next(clips)
    os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)  # as a crash inside FFmpeg would
    with pytest.raises(CabinLensError, match="a decoding process stopped unexpectedly.*the same command resumes"):
        for _ in clips:
            pass
    assert not multiprocessing.active_children()
