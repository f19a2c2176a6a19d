"""An exported clip's banner is readable: its text, measured in the pixels it occupies, is at least
14 px tall at the video's original size and grows and shrinks with the export's scale."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from cabinlens.engine.clips.draw import BACKGROUND, FONT, Layout, banner
from cabinlens.engine.clips.panes import FrameNotes

NOTES = FrameNotes(1234, "HELD", "c3d_small", "looking_or_moving_around (e.g. searching)", 0.42, False, None)


def cap_height(layout: Layout) -> int:
    """Rows the capitals "GT" of the first line occupy (inked: brighter than the background by > 60)."""
    head = banner(layout, NOTES, 30.0)
    gt_width = cv2.getTextSize("GT", FONT, layout.font_scale, layout.thickness)[0][0]
    part = head[: layout.baselines[0] + layout.line // 6, layout.pad: layout.pad + gt_width].astype(int)
    rows = np.flatnonzero((part - np.array(BACKGROUND)).max(axis=(1, 2)) > 60)
    return int(rows[-1] - rows[0] + 1)


@pytest.mark.parametrize("size", [(320, 256), (640, 480), (1280, 1024)])
def test_banner_text_scales_with_the_output_and_is_readable_at_original_size(size):
    w, h = size
    heights = {s: cap_height(Layout.for_video(round(w * s), round(h * s), s)) for s in (0.5, 1.0, 2.0)}
    assert heights[1.0] >= 14, heights
    assert heights[2.0] == pytest.approx(2 * heights[1.0], rel=0.2), heights
    assert heights[0.5] == pytest.approx(heights[1.0] / 2, rel=0.25), heights


def test_a_narrow_pane_gives_the_frame_stamp_a_line_of_its_own():
    narrow, wide = Layout.for_video(320, 256), Layout.for_video(1280, 1024)
    assert narrow.stacked and not wide.stacked
    assert narrow.banner > 2 * narrow.line
    head = banner(narrow, replace(NOTES, model="m", predicted="eating"), 30.0)  # the model fits its line
    # The ground truth's line has room for the whole width: nothing of the stamp is drawn on it.
    first = head[: narrow.baselines[0] + narrow.line // 6, narrow.width // 2:].astype(int)
    assert (first - np.array(BACKGROUND)).max() < 60
    third = head[narrow.baselines[1] + narrow.line // 6:].astype(int)
    assert (third - np.array(BACKGROUND)).max() > 60  # the stamp


def test_an_exported_pane_in_the_contour_look_keeps_the_video_untouched_off_the_lines():
    from cabinlens.engine.clips.draw import OverlayStyle, paint_pane

    h, w = 128, 160
    frame = np.random.default_rng(5).integers(0, 256, (h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:4, 0:4].astype(np.float32)
    layer_map = np.exp(-((yy - 1.5) ** 2 + (xx - 1.5) ** 2) / 2).astype(np.float32)
    cam = ("eating", layer_map, {"size": [h, w], "resize": "short_side_center_crop"})  # the model sees it all
    layout = Layout.for_video(w, h)
    panes = {}
    for look in ("heat", "contours"):
        view = np.zeros((layout.total, w, 3), np.uint8)
        head = np.zeros((layout.banner, w, 3), np.uint8)
        strip = np.zeros((layout.strip, w, 3), np.uint8)
        paint_pane(view, layout, frame, cam, OverlayStyle(look=look), head, strip, 0.5)
        panes[look] = view[layout.banner: layout.banner + h]
    assert OverlayStyle().look == "heat"  # the export's default look is unchanged
    heat_changed = np.any(panes["heat"] != frame, axis=-1).mean()
    contour_changed = np.any(panes["contours"] != frame, axis=-1).mean()
    assert heat_changed > 0.9 and 0.005 < contour_changed < 0.3


def test_a_pane_too_narrow_for_the_models_name_beside_the_prediction_names_it_on_the_first_line(monkeypatch):
    import cabinlens.engine.clips.draw as draw

    drawn: list[str] = []
    real = draw._text
    monkeypatch.setattr(draw, "_text", lambda img, text, *a, **k: (drawn.append(text), real(img, text, *a, **k))[1])
    draw.banner(Layout.for_video(1280, 1024), NOTES, 30.0, title="1. ")
    assert drawn[0] == "1. GT: HELD" and drawn[1].startswith("c3d_small: ")  # room for both: as before
    drawn.clear()
    draw.banner(Layout.for_video(320, 256), NOTES, 30.0, title="2. ")
    assert not any(t.startswith("c3d_small: ") for t in drawn)  # the prediction's line keeps the class readable
    assert drawn[0] == "2. c3d_small · GT: HELD"
