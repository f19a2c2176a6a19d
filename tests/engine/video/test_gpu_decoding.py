"""Decoding on the GPU (NVDEC through PyAV) gives the CPU's frames, numbered the same. Skipped
where the machine cannot decode on an NVIDIA GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cabinlens.engine.analysis.decoder_choice import gpu_decoder_problem
from cabinlens.engine.video.reader import VideoReader

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]


def test_gpu_frames_equal_the_cpu_frames_at_random_places(long_gop_video):
    problem = gpu_decoder_problem(str(long_gop_video))
    if problem:
        pytest.skip(problem)
    rng = np.random.default_rng(3)
    with VideoReader(long_gop_video) as cpu, VideoReader(long_gop_video, decoder="cuda") as gpu:
        assert gpu.frame_count == cpu.frame_count
        picks = [int(i) for i in rng.integers(0, cpu.frame_count, size=20)] + [0, cpu.frame_count - 1]
        for i in picks:  # random jumps, backwards too
            a, b = cpu.frame(i).astype(int), gpu.frame(i).astype(int)
            assert np.abs(a - b).max() <= 2, f"frame {i}"
            if 0 < i < cpu.frame_count - 1:  # the same frame, not a neighbour
                assert np.abs(a - b).mean() < min(np.abs(cpu.frame(j).astype(int) - b).mean() for j in (i - 1, i + 1))
        assert gpu.on_hardware
        run = gpu.frames(list(range(40, 56)))
        assert np.abs(run.astype(int) - cpu.frames(list(range(40, 56))).astype(int)).max() <= 2
