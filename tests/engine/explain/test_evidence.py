"""Scoring a map against evidence boxes: hand-made maps, an independent torch upsampling, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cabinlens.engine.errors import InputError
from cabinlens.engine.explain.evidence import Box, evidence_path, read_evidence, score_frame

REGION = (16.0, 0.0, 96.0, 128.0)  # top, left, height, width of the seen part of a 128x128 frame


def _box(x0, y0, x1, y1, role="evidence") -> Box:
    return Box("eating", "hand_r", role, x0, y0, x1, y1)


def test_a_hot_cell_over_the_box_is_a_hit_and_elsewhere_a_miss():
    layer = np.zeros((4, 4), np.float32)
    layer[1, 3] = 1.0  # cell centre at x = 112, y = 16 + 1.5 * 24 = 52
    on = score_frame(layer, REGION, [_box(100, 40, 128, 64)])
    off = score_frame(layer, REGION, [_box(0, 90, 30, 112)])
    assert on.hit and not off.hit
    assert on.energy > 0.5 > off.energy and on.distractor is None
    assert score_frame(layer, REGION, [_box(0, 0, 128, 10)]) is None  # cropped away: nothing to score


def test_a_flat_map_puts_as_much_mass_on_the_box_as_the_box_covers():
    score = score_frame(np.ones((4, 4), np.float32), REGION, [_box(0, 16, 64, 64)], [_box(64, 64, 128, 112, "distractor")])
    assert score.energy == pytest.approx(score.area, abs=1e-6) and score.area == pytest.approx(0.25, abs=0.02)
    assert score.distractor == pytest.approx(0.25, abs=0.02)


def test_energy_and_peak_match_an_independent_torch_upsampling():
    rng = np.random.default_rng(0)
    for _ in range(20):
        layer = rng.random((7, 7)).astype(np.float32) ** 3
        box = _box(*sorted(rng.integers(0, 128, 2)) , *sorted(rng.integers(16, 112, 2)))
        if box.x1 - box.x0 < 8 or box.y1 - box.y0 < 8:
            continue
        score = score_frame(layer, REGION, [box], grid=64)
        # The same grid by torch (bilinear, half-pixel centres), boxes tested at the cell centres.
        gh, gw = 48, 64
        cam = F.interpolate(torch.from_numpy(layer)[None, None], size=(gh, gw), mode="bilinear",
                            align_corners=False)[0, 0].clamp_min(0).numpy()
        ys = REGION[0] + (np.arange(gh) + 0.5) * REGION[2] / gh
        xs = REGION[1] + (np.arange(gw) + 0.5) * REGION[3] / gw
        inside = (xs[None] >= box.x0) & (xs[None] < box.x1) & (ys[:, None] >= box.y0) & (ys[:, None] < box.y1)
        assert score.area == pytest.approx(inside.mean())
        assert score.energy == pytest.approx(cam[inside].sum() / cam.sum(), abs=2e-3)
        assert score.hit == bool(inside.flat[int(np.argmax(cam))])


def test_evidence_files_are_read_and_bad_ones_named(tmp_path):
    assert evidence_path("/d/vp1/run1.ids_1.mp4").name == "run1.ids_1.evidence.csv"
    good = tmp_path / "good.csv"
    good.write_text("frame,activity,part,role,x0,y0,x1,y1\n3,eating,hand_r,evidence,1,2,10,20\n"
                    "3,eating,magazine,distractor,5,5,9,9\n4,eating,head,evidence,0,0,4,4\n")
    boxes = read_evidence(good)
    assert sorted(boxes) == [3, 4] and [b.role for b in boxes[3]] == ["evidence", "distractor"]
    assert boxes[3][0] == Box("eating", "hand_r", "evidence", 1, 2, 10, 20)
    cases = {
        "": "is empty",
        "frame,activity,part\n": "header must be",
        "frame,activity,part,role,x0,y0,x1,y1\n3,eating,hand,evidence,1,2,x,4\n": ":2: frame and box must be integers",
        "frame,activity,part,role,x0,y0,x1,y1\n3,eating,hand,evidence,5,2,5,4\n": ":2: frame 3 box (5,2)-(5,4) is negative or empty",
        "frame,activity,part,role,x0,y0,x1,y1\n3,eating,hand,cause,1,2,3,4\n": ":2: role 'cause' is not one of",
        "frame,activity,part,role,x0,y0,x1,y1\n3,eating,hand\n": ":2: 3 fields, expected 8",
    }
    for k, (text, problem) in enumerate(cases.items()):
        bad = tmp_path / f"bad{k}.csv"
        bad.write_text(text)
        with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")) as info:
            read_evidence(bad)
        assert f"bad{k}.csv" in str(info.value)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("frame,activity,part,role,x0,y0,x1,y1\n3,caf\xe9,a,evidence,1,2,3,4\n".encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8"):
        read_evidence(latin)
    with pytest.raises(InputError, match="cannot be read"):
        read_evidence(tmp_path / "missing.csv")
