"""The colour bar beside the player's frame: its ramp is the colour map's, and its words follow the
normalisation (what full colour means) and the look (contour ticks)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from cabinlens.widgets.colour_bar import ColourBar, scale_words
from cabinlens.widgets.video_view import VideoView


def two_tone_ramp() -> np.ndarray:
    """Red for the lower half of the values, blue for the upper: a ramp no colour map has by accident."""
    ramp = np.zeros((256, 3), np.uint8)
    ramp[:128] = (220, 20, 20)
    ramp[128:] = (20, 20, 220)
    return ramp


def test_the_bar_paints_the_ramp_low_at_the_bottom_and_full_colour_at_the_top(qtbot):
    bar = ColourBar()
    qtbot.addWidget(bar)
    bar.resize(bar.sizeHint().width(), 240)
    bar.show_scale(two_tone_ramp(), "clip", 0.37, 0.37)
    assert bar.colour_at(0.95) == QColor(20, 20, 220) and bar.colour_at(0.05) == QColor(220, 20, 20)
    assert bar.width() >= 60


def test_the_bars_words_change_with_the_normalisation(qtbot):
    bar = ColourBar()
    qtbot.addWidget(bar)
    ramp = two_tone_ramp()
    bar.show_scale(ramp, "clip", 0.37, 0.37)
    assert bar.text() == "clip peak = 0.37 … 0" and bar.peak is None
    assert "this clip's own maximum (Eq. 2 value 0.37)" in bar.toolTip()
    bar.show_scale(ramp, "dataset", 2.5, 1.25)
    assert bar.text() == "dataset peak = 2.5 … 0" and bar.peak == 0.5  # this clip's peak: half way up
    assert "99th percentile" in bar.toolTip() and "(50% of it)" in bar.toolTip()
    bar.show_scale(ramp, "raw", 1.0, 0.2, levels=(0.25, 0.5, 0.75))
    assert bar.text() == "1 raw Eq. 2 … 0" and bar.peak == 0.2
    assert "above 1 saturate" in bar.toolTip() and "Contour lines at 25%, 50%, 75%" in bar.toolTip()
    bar.clear("Grad-CAM\noff")
    assert bar.text() == "Grad-CAM off" and bar.ramp is None
    assert scale_words("dataset", 0.0, 1.0)[2] is None  # no divisor yet: no marker, no division by zero


def test_the_painted_words_differ_between_normalisations(qtbot):
    """Not only the attributes: the pixels of the label area change when the normalisation does."""
    bar = ColourBar()
    qtbot.addWidget(bar)
    bar.resize(bar.sizeHint().width(), 200)
    bar.show()
    bar.show_scale(two_tone_ramp(), "clip", 0.37, 0.37)
    clip = bar.grab().toImage()
    bar.show_scale(two_tone_ramp(), "dataset", 0.37, 0.37)
    dataset = bar.grab().toImage()
    bar.show_scale(two_tone_ramp(), "clip", 0.37, 0.37)
    again = bar.grab().toImage()
    assert clip != dataset and clip == again


def test_the_view_offers_the_look_and_the_evidence_toggle_and_keeps_the_opacity_capped(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    seen = []
    view.lookChosen.connect(lambda v: seen.append(("look", v)))
    view.evidenceToggled.connect(lambda v: seen.append(("evidence", v)))
    assert view.opacity.maximum() == 60  # the heat map never covers the frame more than 60 %
    assert not view.evidence.isEnabled() and "no evidence file" in view.evidence.toolTip()
    view.set_evidence_available(True)
    assert view.evidence.isEnabled() and "white" in view.evidence.toolTip()
    view.evidence.setChecked(True)
    view.look.setCurrentIndex(view.look.findData("contours"))
    assert seen == [("evidence", True), ("look", "contours")]
    assert not view.opacity.isEnabled() and "Contours leave the frame untouched" in view.opacity.toolTip()
    seen.clear()
    view.show_controls(on=True, opacity=0.45, colormap="jet", normalisation="clip", target="pred", look="heat",
                       evidence=False)
    assert seen == [] and view.opacity.isEnabled() and not view.evidence.isChecked()
    view.set_evidence_available(False)  # another video without a file: unusable, says why
    assert not view.evidence.isEnabled() and "no evidence file" in view.evidence.toolTip()
    assert view.colour_bar.parent() is view and view.colour_bar.text() == "no Grad-CAM"
