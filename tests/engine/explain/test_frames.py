"""Mapping layer-resolution maps to sampled and original frames, and normalisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cabinlens.engine.explain.frames import dataset_scale, normalise, time_mapping, to_frames, upsample
from cabinlens.engine.models.spec import InputSpec, input_region, resize_frames
from cabinlens.engine.video.sampling import sample_indices


def test_upsample_keeps_a_peak_over_the_input_cells_it_came_from():
    maps = torch.zeros(2, 4, 7, 7)
    maps[1, 2, 5, 1] = 1.0  # layer cell (t'=2, i=5, j=1) of 4x7x7 for a 16x112x112 input
    up = upsample(maps, (16, 112, 112))
    assert up.shape == (2, 16, 112, 112) and float(up[0].abs().max()) == 0.0
    t, i, j = np.unravel_index(int(up[1].argmax()), up[1].shape)
    assert 8 <= t < 12 and 80 <= i < 96 and 16 <= j < 32  # the 4x16x16 block of that cell
    assert torch.allclose(upsample(torch.full((1, 2, 3, 3), 0.7), (8, 30, 30)), torch.tensor(0.7))
    assert float(upsample(torch.rand(3, 2, 2, 2), (5, 9, 9)).min()) >= 0


def test_time_mapping_interpolates_between_samples_and_clamps_at_the_ends():
    sampled = np.array([10, 20, 30])
    m = time_mapping(sampled, np.arange(5, 36))
    clip = torch.tensor([1.0, 3.0, 7.0]).view(3, 1, 1)  # one 1x1 "map" per sampled frame
    got = to_frames(clip, m).flatten().numpy()
    expected = np.interp(np.arange(5, 36), sampled, [1.0, 3.0, 7.0])  # np.interp clamps at the ends too
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_frames_sampled_twice_get_the_mean_of_their_copies():
    sampled = sample_indices(100, 104, 8, "uniform")  # a 4-frame segment, 8 samples: each frame twice
    assert sorted(set(sampled.tolist())) == [100, 101, 102, 103]
    values = torch.arange(8, dtype=torch.float32).view(8, 1)
    got = to_frames(values, time_mapping(sampled, np.arange(100, 104))).flatten()
    expected = [values[sampled == f].mean() for f in range(100, 104)]
    torch.testing.assert_close(got, torch.stack(expected))


def test_every_frame_of_a_segment_gets_a_map_and_sampled_frames_keep_theirs():
    sampled = sample_indices(0, 90, 16, "uniform")
    clip = torch.rand(16, 3, 5, 5)  # (T, K, h, w)
    frames = np.arange(0, 90)
    per_frame = to_frames(clip, time_mapping(sampled, frames))
    assert per_frame.shape == (90, 3, 5, 5)
    for position, f in enumerate(sampled):
        torch.testing.assert_close(per_frame[f], clip[position])


def test_time_mapping_rejects_unordered_samples():
    with pytest.raises(ValueError, match="temporal order"):
        time_mapping(np.array([3, 1]), np.arange(4))


def test_normalisation_is_explicit():
    maps = torch.tensor([[[0.0, 2.0], [1.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]]).view(2, 1, 2, 2)
    per_clip, divisor = normalise(maps, "clip")
    assert divisor.tolist() == [4.0, 1.0] and float(per_clip[0].max()) == 1.0 and float(per_clip[1].abs().max()) == 0.0
    raw, one = normalise(maps, "raw")
    assert torch.equal(raw, maps) and one.tolist() == [1.0, 1.0]
    data, used = normalise(maps, "dataset", 2.0)
    assert torch.equal(data, maps / 2) and used.tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="needs the dataset's scale"):
        normalise(maps, "dataset")
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalise(maps, "frame")  # type: ignore[arg-type]


def test_dataset_scale_is_a_robust_high_quantile():
    peaks = np.concatenate([np.linspace(1, 2, 199), [1000.0], [0.0] * 10])
    assert 1.9 < dataset_scale(peaks) < 2.5  # the one outlier and the empty maps do not set it
    assert dataset_scale(np.zeros(4)) == 1.0


@pytest.mark.parametrize("resize", ["short_side_center_crop", "stretch"])
def test_input_region_locates_the_input_in_the_original_frame(resize):
    spec = InputSpec(frames=1, size=(112, 112), resize=resize)
    frame = np.zeros((256, 320, 3), dtype=np.uint8)
    frame[100:140, 200:240] = 255  # a bright square in original pixels
    top, left, height, width = input_region((256, 320), spec)
    resized = resize_frames(frame[None], spec)[0, :, :, 0].astype(float)
    ys, xs = np.nonzero(resized > 127)
    # The square's centre in input pixels, mapped back through the region, is the original centre.
    cy = top + (ys.mean() + 0.5) * height / 112
    cx = left + (xs.mean() + 0.5) * width / 112
    assert abs(cy - 120) < 2 and abs(cx - 220) < 2
    if resize == "stretch":
        assert (top, left, height, width) == (0, 0, 256, 320)
    else:
        assert (top, left, height, width) == (0, 32, 256, 256)
