"""Deletion and insertion in space-time on the shipped I3D: its Grad-CAM deletes faster than random."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cabinlens.engine.explain.evidence import Box
from cabinlens.engine.explain.sanity.faithfulness import blurred, box_mask, deletion_insertion

FRACTIONS = (0.0, 0.1, 0.25, 0.5, 1.0)


def test_box_mask_takes_the_pixels_whose_centres_lie_in_a_box():
    box = Box("a", "hand", "evidence", 10, 20, 30, 40)  # x 10..30, y 20..40 in frame pixels
    mask = box_mask([[box], []], (0.0, 0.0, 100.0, 100.0), (10, 10))  # 10x10 input over a 100x100 frame
    assert mask.shape == (2, 10, 10) and not mask[1].any()
    assert np.argwhere(mask[0]).tolist() == [[y, x] for y in (2, 3) for x in (1, 2)]


def test_the_baseline_has_neither_detail_nor_motion():
    x = torch.rand(1, 3, 4, 32, 32)
    b = blurred(x)
    assert torch.allclose(b[:, :, 0], b[:, :, 3]) and b.std() < x.std() / 4


@pytest.mark.slow
def test_deleting_the_cam_voxels_destroys_the_class_faster_than_random_ones(i3d_run, i3d_clips):
    model, spec, *_ = i3d_run
    x, y, ev = i3d_clips
    result = deletion_insertion(model, spec, x, y, ev, fractions=FRACTIONS)
    cam, rnd = result.mean_auc("deletion", "cam"), result.mean_auc("deletion", "random")
    assert cam < rnd - 0.05, (cam, rnd)
    assert result.mean_auc("insertion", "cam") > result.mean_auc("insertion", "random")
    assert set(result.deletion) == {"cam", "random", "evidence", "random_boxes"}


@pytest.mark.slow
def test_a_map_that_ignores_the_input_does_not_beat_random(i3d_run, i3d_clips):
    model, spec, *_ = i3d_run
    x, y, _ = i3d_clips
    constant = lambda _m, clips, _t: torch.ones(len(clips), 2, 4, 4)  # noqa: E731
    result = deletion_insertion(model, spec, x, y, method=constant, fractions=FRACTIONS, seed=1)
    assert result.mean_auc("deletion", "cam") > result.mean_auc("deletion", "random") - 0.1
