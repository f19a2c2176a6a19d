"""Each player widget alone: state -> widget and widget -> state, both directions."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from cabinlens.app.state import AppState
from cabinlens.engine.analysis.session import SessionSummary, SessionTracks, Track
from cabinlens.widgets.session_browser import SessionBrowser
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.video_view import VideoView

CLASSES = ("drinking", "eating", "writing")


def tracks() -> SessionTracks:
    starts = np.array([0, 16, 32, 48])
    track = Track(run_id=7, model="m", kind="split", classes=CLASSES, spec={"input": {"frames": 16, "sampling": "uniform"}},
                  indices=np.arange(4), starts=starts, ends=starts + 16, labels=np.array([0, 1, 2, -1]),
                  predicted=np.array([0, 2, 2, 1]), confidence=np.array([0.9, 0.6, 0.7, 0.5]))
    return SessionTracks("vp1/run1.ids_1", "/v.mp4", [(0, 16, "drinking"), (16, 40, "eating")], [track])


def test_timeline_and_state_follow_each_other(qtbot):
    state = AppState()
    state.frame_count = 64
    state.track = 7
    timeline = Timeline(state)
    qtbot.addWidget(timeline)
    timeline.set_tracks(tracks(), 64)
    assert [r[0] for r in timeline.rows] == ["ground truth", "m (split)", "correct / wrong", "confidence"]
    state.set_frame(20)
    assert timeline.playhead.value() == 20  # state -> widget
    timeline.playhead.setValue(33.4)  # dragging the playhead -> state, frame-exact
    assert state.frame == 33
    assert timeline.describe(18.5, 3) == "frame 18: eating [16, 40)"
    assert "predicts writing (60%); ground truth eating" in timeline.describe(20, 2)
    assert timeline.describe(100, 3) == ""


def test_video_view_controls_and_state(qtbot):
    state = AppState()
    view = VideoView(state)
    qtbot.addWidget(view)
    view.opacity.setValue(80)
    assert abs(state.opacity - 0.8) < 1e-9  # widget -> state
    view.target.setCurrentIndex(view.target.findData("gt"))
    assert state.target == "gt"
    view.colormap.setCurrentText("turbo")
    assert state.colormap == "turbo"
    state.set_overlay(on=False, opacity=0.3, colormap="viridis")  # state -> widget
    state.set_target("top3")
    assert not view.overlay.isChecked() and view.opacity.value() == 30 and view.target.currentData() == "top3"
    assert view.colormap.currentText() == "viridis"
    view.canvas.show_frame(np.zeros((256, 320, 3), np.uint8))
    view.set_labels(12, "eating", [("m split", "writing", 0.6, False)], "writing")
    assert "frame 12" in view.labels.text() and "#d33" in view.labels.text() and "Grad-CAM of <i>writing" in view.labels.text()


def test_session_browser_and_state(qtbot):
    state = AppState()
    browser = SessionBrowser(state)
    qtbot.addWidget(browser)
    browser.set_sessions([SessionSummary("vp1/a.ids_1", "/a.mp4", "vp1", {"m": 5}, {"m": 0.4}),
                          SessionSummary("vp2/b.ids_1", "/b.mp4", "vp2", {"m": 3}, {"m": None})])
    first = browser.topLevelItem(0).child(0)
    assert browser.topLevelItemCount() == 2 and first.text(3) == "m 40%"
    assert (first.text(0), first.text(1)) == ("a", "inner_mirror")
    item = browser.topLevelItem(1).child(0)
    browser.itemClicked.emit(item, 0)
    assert state.session == "vp2/b.ids_1"  # widget -> state
    state.set_session("vp1/a.ids_1")
    assert browser.currentItem().data(0, Qt.ItemDataRole.UserRole) == "vp1/a.ids_1"  # state -> widget
