"""A timeline row's runs found with numpy equal a plain loop's, and a strip of pixels shows them,
short wrong predictions included."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.widgets.timeline_rows import STRIP_ABOVE, runs, strip


def runs_by_loop(starts, ends, keys):
    out = []
    for a, b, k in zip(starts, ends, keys, strict=True):
        if out and out[-1][2] == k and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b), k)
        else:
            out.append((a, b, k))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_runs_equal_the_loop_on_random_overlapping_windows(seed):
    rng = np.random.default_rng(seed)
    starts = np.sort(rng.integers(0, 3000, 400)).astype(float)
    ends = starts + rng.integers(1, 60, 400)
    keys = rng.integers(0, 3, 400)
    s, e, k = runs(starts, ends, keys)
    assert list(zip(s.tolist(), e.tolist(), k.tolist(), strict=True)) == runs_by_loop(starts.tolist(), ends.tolist(), keys.tolist())


def test_a_strip_shows_the_run_under_each_pixel_and_keeps_short_alarms_visible():
    red, green = (255, 0, 0, 255), (0, 255, 0, 255)
    starts, ends = np.array([0.0, 100.0, 500.0]), np.array([100.0, 101.0, 1000.0])  # 100..101: one frame wrong
    rgba = np.array([green, red, green], np.uint8)
    plain = strip(starts, ends, rgba, 0, 1000, 100)
    assert (plain[:10] == green).all() and (plain[10:50, 3] == 0).all() and (plain[50:] == green).all()
    flagged = strip(starts, ends, rgba, 0, 1000, 100, alarm=red)
    assert (flagged[10] == red).all() and (flagged[11:50, 3] == 0).all()  # the 1-frame error has its pixel
    zoomed = strip(starts, ends, rgba, 90, 110, 20)  # zoomed in: a pixel per frame
    assert (zoomed[10] == red).all() and (zoomed[:10] == green).all() and (zoomed[11:, 3] == 0).all()


def test_an_hour_long_sweep_is_drawn_as_strips_whose_cost_follows_the_screen(qtbot):
    from cabinlens.engine.analysis.session import SessionTracks, Track
    from cabinlens.widgets.timeline import Timeline

    rng = np.random.default_rng(0)
    starts = np.arange(0, 108_000 - 16, 8)
    labels = rng.integers(0, 5, starts.size)
    predicted = np.where(rng.random(starts.size) < 0.8, labels, (labels + 1) % 5)
    track = Track(3, "m", "sweep", tuple("abcde"), {}, np.arange(starts.size), starts, starts + 16, labels, predicted,
                  rng.random(starts.size))
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(900, 260)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.current_track = 3
    timeline.set_tracks(SessionTracks("f", "/v.mp4", [(0, 500, "a")], [track]), 108_000)
    assert len(timeline.strips) == 2  # the sweep's classes and its right/wrong row
    assert all(row[3].size > STRIP_ABOVE for row in timeline.strips)
    images = [row[0].image for row in timeline.strips]
    assert all(image.shape[1] == round(timeline.getViewBox().width() * timeline.devicePixelRatioF()) for image in images)
    timeline.setXRange(50_000, 50_200, padding=0)  # zoomed in: the strip is recomputed for the new range
    qtbot.waitUntil(lambda: timeline.strips[0][0].mapRectToView(timeline.strips[0][0].boundingRect()).left() == 50_000)
