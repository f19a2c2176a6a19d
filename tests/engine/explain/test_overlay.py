"""The overlay's looks at pixel level: contours leave the frame untouched off their lines, a capped
heat map never hides the frame, evidence boxes are outlined exactly where the file says."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.explain.evidence import Box
from cabinlens.engine.explain.overlay import (DISTRACTOR_RGB, EVIDENCE_RGB, colour_ramp, draw_boxes, line_width,
                                              overlay)
from cabinlens.engine.explain.overlay_looks import CONTOUR_LEVELS, MAX_OPACITY, capped


def textured_frame(h: int = 256, w: int = 320) -> np.ndarray:
    """Noise: any pixel an overlay touches differs from the original with near certainty."""
    return np.random.default_rng(3).integers(0, 256, (h, w, 3), dtype=np.uint8)


def blob(n: int = 8) -> np.ndarray:
    """A map peaking at 1 in the middle, falling to about 0 at the edges."""
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    return np.exp(-((yy - (n - 1) / 2) ** 2 + (xx - (n - 1) / 2) ** 2) / (n * 0.8)).astype(np.float32)


def test_contours_leave_every_pixel_off_the_iso_lines_as_the_frame_had_it():
    frame = textured_frame()
    region = (0.0, 32.0, 256.0, 256.0)  # top, left, height, width: a centre crop
    out = overlay(frame, blob(), region, look="contours", dim_outside=0.6)
    inside = (slice(0, 256), slice(32, 288))
    changed = np.any(out[inside] != frame[inside], axis=-1)
    # Where the upsampled map is far from every level, nothing was drawn.
    import cv2

    levels = cv2.resize(cv2.convertScaleAbs(blob(), alpha=255), (256, 256), interpolation=cv2.INTER_LINEAR) / 255
    far = np.min(np.abs(levels[..., None] - np.array(CONTOUR_LEVELS)), axis=-1) > 0.06
    assert far.mean() > 0.5 and not changed[far].any()
    # Lines were drawn (a few % of the region), each in the colour map's colour of its level.
    assert 0.005 < changed.mean() < 0.25
    ramp = colour_ramp("jet")
    drawn = {tuple(int(c) for c in px) for px in out[inside][changed]}
    assert drawn <= {tuple(int(c) for c in ramp[round(v * 255)]) for v in CONTOUR_LEVELS}
    assert len(drawn) == len(CONTOUR_LEVELS)
    # Pixels near the 50 % level carry its colour; the cropped-away borders are dimmed, not drawn on.
    near_half = np.abs(levels - 0.5) < 0.01
    assert (out[inside][near_half & changed] == ramp[round(0.5 * 255)]).all() and (near_half & changed).any()
    assert np.abs(out[:, :32].astype(int) - np.round(frame[:, :32] * 0.6)).max() <= 1


def test_contours_draw_no_line_along_the_frame_border_of_a_map_that_fills_it():
    frame = textured_frame(64, 64)
    out = overlay(frame, np.ones((4, 4), np.float32), look="contours")
    assert (out == frame).all()  # above every level everywhere: no iso-line, and the edge is not one


def test_a_full_strength_heat_map_at_the_capped_opacity_keeps_the_frame_visible():
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[:, 50:] = 255  # half black, half white
    alpha = capped(1.0)
    assert alpha == MAX_OPACITY <= 0.6
    out = overlay(frame, np.ones((4, 4), np.float32), alpha=alpha, colormap="jet").astype(int)
    # Under one colour everywhere the frame's edge still shows with at least 40 % of its contrast.
    contrast = out[:, 50:] - out[:, :50]
    assert contrast.min() >= round(255 * (1 - MAX_OPACITY)) - 1
    assert capped(-1) == 0.0 and capped(0.3) == 0.3


def test_evidence_boxes_are_outlined_at_their_coordinates_and_nowhere_else():
    frame = textured_frame()
    boxes = [Box("eating", "hand_r", "evidence", 40, 50, 100, 120), Box("eating", "magazine", "distractor", 200, 10, 260, 60)]
    out = draw_boxes(frame.copy(), boxes)
    t = line_width(256, 320)
    assert t == 2
    # The outline lies on the box's own pixels (x1, y1 exclusive) ...
    assert (out[50:120, 40:40 + t] == EVIDENCE_RGB).all() and (out[50:120, 100 - t:100] == EVIDENCE_RGB).all()
    assert (out[50:50 + t, 40:100] == EVIDENCE_RGB).all() and (out[120 - t:120, 40:100] == EVIDENCE_RGB).all()
    assert (out[10:60, 200:200 + t] == DISTRACTOR_RGB).all()
    # ... with a black rim just outside, and the inside and the rest of the frame untouched.
    assert (out[49, 39:101] == 0).all() and (out[50:120, 100] == 0).all()
    assert (out[50 + t:120 - t, 40 + t:100 - t] == frame[50 + t:120 - t, 40 + t:100 - t]).all()
    touched = np.any(out != frame, axis=-1)
    touched[49:121, 39:101] = False
    touched[9:61, 199:261] = False
    assert not touched.any()


def test_a_box_reaching_past_the_frame_is_clipped_and_an_unknown_look_refused():
    frame = textured_frame(64, 64)
    out = draw_boxes(frame.copy(), [Box("a", "door", "evidence", 50, -5, 90, 20)])
    assert (out[0:20, 50] == EVIDENCE_RGB).all()
    with pytest.raises(ValueError, match="unknown overlay look 'blobs'"):
        overlay(frame, blob(), look="blobs")


def test_a_frame_is_shrunk_to_its_screen_area_with_its_aspect_kept_and_never_enlarged():
    from cabinlens.engine.explain.overlay import fit_within

    frame = np.zeros((1024, 1280, 3), np.uint8)
    frame[:, 640:] = 200  # right half bright: area averaging keeps the halves
    out = fit_within(frame, (900, 700))
    assert out.shape == (700, 875, 3)
    assert out[:, :430].max() == 0 and out[:, 445:].min() == 200
    assert fit_within(frame, (1280, 1024)) is frame and fit_within(frame, (2000, 1500)) is frame
    assert fit_within(frame[..., 0], (640, 640)).shape == (512, 640)
