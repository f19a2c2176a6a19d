"""The time range dialog: seconds and frames in step, the end exclusive, OK only for a real range."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from cabinlens.widgets.range_dialog import TimeRangeDialog

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "offscreen"  # not kept: the kept ones are on Xvfb


def _type(qtbot, box, text: str) -> None:
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_seconds_and_frames_follow_each_other(qtbot):
    dialog = TimeRangeDialog(fps=15.0, frame_count=9000, start=300, end=390)
    qtbot.addWidget(dialog)
    dialog.show()
    assert (dialog.start, dialog.end) == (300, 390)
    assert dialog._seconds["start"].value() == 20.0 and dialog._seconds["end"].value() == 26.0
    assert dialog.summary.text() == "0:20.00 – 0:26.00: 90 frames, 6.00 s at 15 fps"
    _type(qtbot, dialog._seconds["start"], "12.5")  # seconds in, the frame follows (rounded)
    assert dialog.start == round(12.5 * 15) == 188
    _type(qtbot, dialog._frames["end"], "1200")  # a frame in, the seconds follow
    assert dialog._seconds["end"].value() == 80.0
    assert (dialog.start, dialog.end) == (188, 1200)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "time_range_dialog.png"))


def test_ok_only_for_a_non_empty_range_inside_the_session(qtbot):
    dialog = TimeRangeDialog(fps=30.0, frame_count=600, start=100, end=200)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.set_range(200, 200)
    assert not ok.isEnabled() and "after the start" in dialog.summary.text()
    dialog.set_range(250, 100)
    assert not ok.isEnabled()
    dialog.set_range(0, 10_000)  # clamped to the session
    assert (dialog.start, dialog.end) == (0, 600) and ok.isEnabled()
    assert dialog._seconds["end"].maximum() == 20.0
