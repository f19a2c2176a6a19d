"""The player's views wired to the app state: widget -> state and state -> widget, no ping-pong."""

from __future__ import annotations

import numpy as np

from cabinlens.app.bindings import bind_session_browser, bind_timeline, bind_video_view
from cabinlens.app.state import AppState
from cabinlens.engine.analysis.session import SessionSummary, SessionTracks, Track
from cabinlens.widgets.session_browser import SessionBrowser
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.video_view import VideoView


def _tracks() -> SessionTracks:
    starts = np.array([0, 16, 32, 48])
    track = Track(run_id=7, model="m", kind="split", classes=("a", "b", "c"), spec={}, indices=np.arange(4),
                  starts=starts, ends=starts + 16, labels=np.array([0, 1, 2, -1]), predicted=np.array([0, 2, 2, 1]),
                  confidence=np.array([0.9, 0.6, 0.7, 0.5]))
    return SessionTracks("vp1/run1.ids_1", "/v.mp4", [(0, 16, "a")], [track])


def test_timeline_and_state(qtbot):
    state = AppState()
    state.frame_count = 64
    timeline = Timeline()
    qtbot.addWidget(timeline)
    bind_timeline(timeline, state)
    timeline.set_tracks(_tracks(), 64)
    state.set_track(7)  # state -> the rows of the shown run
    assert [r[0] for r in timeline.rows][-2:] == ["correct / wrong", "confidence"]
    state.set_frame(20)
    assert timeline.playhead.value() == 20
    timeline.playhead.setValue(33.4)
    assert state.frame == 33
    timeline.playhead.setValue(500)  # past the end: the state clamps
    assert state.frame == 63


def test_video_view_and_state(qtbot):
    state = AppState()
    view = VideoView()
    qtbot.addWidget(view)
    bind_video_view(view, state)
    assert view.opacity.value() == round(state.opacity * 100)  # the state's values from the start
    view.opacity.setValue(50)
    view.target.setCurrentIndex(view.target.findData("gt"))
    view.normalisation.setCurrentIndex(view.normalisation.findData("raw"))
    assert abs(state.opacity - 0.5) < 1e-9 and state.target == "gt" and state.normalisation == "raw"
    view.look.setCurrentIndex(view.look.findData("contours"))
    view.evidence.setEnabled(True)
    view.evidence.setChecked(True)
    assert state.overlay_look == "contours" and state.evidence_on
    state.set_overlay(look="heat", evidence=False)
    assert view.look.currentData() == "heat" and not view.evidence.isChecked()
    state.set_overlay(opacity=1.0)  # capped, so the video shows through
    assert state.opacity == 0.6 and view.opacity.value() == 60
    state.set_overlay(on=False, opacity=0.3, colormap="viridis")
    state.set_target("top3")
    assert not view.overlay.isChecked() and view.opacity.value() == 30 and view.target.currentData() == "top3"
    assert view.colormap.currentText() == "viridis"


def test_session_browser_and_state(qtbot):
    state = AppState()
    browser = SessionBrowser()
    qtbot.addWidget(browser)
    bind_session_browser(browser, state)
    browser.set_sessions([SessionSummary("vp1/a.ids_1", "/a.mp4", "vp1", {"m": 5}, {"m": 0.4}),
                          SessionSummary("vp2/b.ids_1", "/b.mp4", "vp2", {"m": 3}, {"m": None})])
    browser.itemClicked.emit(browser.topLevelItem(1).child(0), 0)
    assert state.session == "vp2/b.ids_1"
    state.set_session("vp1/a.ids_1")
    assert browser.currentItem().data(0, 256) == "vp1/a.ids_1"


def test_playback_bar_and_state(qtbot):
    state = AppState()
    state.frame_count, state.fps = 6184, 30.0
    view = VideoView()
    qtbot.addWidget(view)
    bind_video_view(view, state)  # the transport row comes with the view
    bar = view.transport
    state.set_frame(455)
    assert bar.position.text() == "0:15.17 · frame 455 / 6183"
    bar.go_to.setText("1:00")
    bar.go_to.returnPressed.emit()
    assert state.frame == 1800
    state.set_playing(True, -2.0)  # J twice: the box shows the size, the direction stays the state's
    assert bar.speed.currentData() == 2.0 and bar.playing
    bar.speed.setCurrentIndex(bar.speed.findData(0.5))
    assert state.speed == -0.5
    bar.play.click()
    assert not state.playing
    bar.play.click()
    assert state.playing and state.speed == 0.5  # play goes forwards at the chosen speed
    bar.loop.setChecked(True)
    assert state.loop
    state.set_loop(False)
    assert not bar.loop.isChecked()
