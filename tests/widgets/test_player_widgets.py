"""Each player widget alone: what it shows when told, and what it emits when the user acts.

The widgets know no application state (tests/app/test_bindings.py checks the wiring)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from cabinlens.engine.analysis.session import SessionSummary
from cabinlens.widgets.session_browser import SessionBrowser
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.video_view import VideoView
from sample_tracks import tracks



def test_timeline_follows_and_emits_frame_exact_choices(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.current_track = 7
    timeline.set_tracks(tracks(), 64)
    assert [r[0] for r in timeline.rows] == ["ground truth", "m (split)", "correct / wrong", "confidence"]
    chosen = []
    timeline.frameChosen.connect(chosen.append)
    timeline.follow(20)
    assert timeline.playhead.value() == 20 and chosen == []  # told -> shown, no echo
    timeline.playhead.setValue(33.4)  # dragging the playhead emits the frame, frame-exact
    assert chosen == [33]
    assert timeline.describe(18.5, 3) == "frame 18: eating [16, 40)"
    assert "predicts writing (60%); ground truth eating" in timeline.describe(20, 2)
    assert timeline.describe(100, 3) == ""
    timeline.set_current_track(-1)  # no shown run: no correct/wrong rows
    assert [r[0] for r in timeline.rows] == ["ground truth", "m (split)"]


def test_video_view_emits_choices_and_shows_values_without_echo(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    seen = []
    for name in ("overlayToggled", "opacityChosen", "colormapChosen", "normalisationChosen", "targetChosen"):
        getattr(view, name).connect(lambda v, n=name: seen.append((n, v)))
    view.opacity.setValue(50)
    view.target.setCurrentIndex(view.target.findData("gt"))
    view.colormap.setCurrentText("turbo")
    assert seen == [("opacityChosen", 0.5), ("targetChosen", "gt"), ("colormapChosen", "turbo")]
    seen.clear()
    view.show_controls(on=False, opacity=0.3, colormap="viridis", normalisation="raw", target="top3")
    assert seen == []
    assert not view.overlay.isChecked() and view.opacity.value() == 30 and view.target.currentData() == "top3"
    assert view.colormap.currentText() == "viridis" and view.normalisation.currentData() == "raw"
    view.canvas.show_frame(np.zeros((256, 320, 3), np.uint8))
    view.set_labels(12, "eating", [("m split", "writing", 0.6, False)], "writing")
    assert "frame 12" in view.labels.text() and "#d33" in view.labels.text() and "Grad-CAM of <i>writing" in view.labels.text()


def test_session_browser_emits_the_chosen_session_and_selects_when_told(qtbot):
    browser = SessionBrowser()
    qtbot.addWidget(browser)
    browser.set_sessions([SessionSummary("vp1/a.ids_1", "/a.mp4", "vp1", {"m": 5}, {"m": 0.4}),
                          SessionSummary("vp2/b.ids_1", "/b.mp4", "vp2", {"m": 3}, {"m": None})])
    first = browser.topLevelItem(0).child(0)
    assert browser.topLevelItemCount() == 2 and first.text(3) == "m 40%"
    assert (first.text(0), first.text(1)) == ("a", "inner_mirror")
    chosen = []
    browser.sessionChosen.connect(chosen.append)
    browser.itemClicked.emit(browser.topLevelItem(1).child(0), 0)
    assert chosen == ["vp2/b.ids_1"]
    browser.select("vp1/a.ids_1")
    assert browser.currentItem().data(0, Qt.ItemDataRole.UserRole) == "vp1/a.ids_1"


def test_the_label_line_names_the_cam_class_and_whose_it_is_and_wraps_rather_than_cut(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(420, 500)
    view.show()
    qtbot.waitExposed(view)
    models = [(f"model_{k} split", "looking_or_moving_around (e.g. searching)", 0.5, k % 2 == 0) for k in range(3)]
    view.set_labels(455, "fastening_seat_belt", models, "closing_door_inside", "top2", "i3d_small · split 0 test")
    text = view.labels.text()
    assert "Grad-CAM of <i>closing_door_inside</i> (2nd guess of i3d_small · split 0 test)" in text
    assert all(f"model_{k} split" in text for k in range(3))
    # Every word is on screen: the line wraps to the height its text needs at this width.
    assert view.labels.wordWrap()
    assert view.labels.height() >= view.labels.heightForWidth(view.labels.width()) > view.labels.fontMetrics().height() * 2
    assert "model_2 split" in view.labels.toolTip()


def test_the_run_picker_lists_the_session_runs_and_emits_the_chosen_one(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    chosen = []
    view.runChosen.connect(chosen.append)
    view.set_runs([(1, "i3d_small · split 0 val", "i3d_small: inner_mirror/midlevel split 0 val"),
                   (9, "i3d_small · session sweep", "i3d_small: sweep a.mp4")], 9)
    assert chosen == [] and view.runs.currentData() == 9 and "sweep a.mp4" in view.runs.toolTip()
    view.runs.activated.emit(0)
    assert chosen == [1]


def test_a_frame_shrunk_to_the_canvas_is_drawn_one_to_one_and_a_resize_asks_for_it_again(qtbot):
    import numpy as np

    from cabinlens.widgets.video_view import FrameCanvas

    canvas = FrameCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    width, height = canvas.device_size()
    frame = np.zeros((height, round(height * 1.25) if round(height * 1.25) <= width else width, 3), np.uint8)
    frame[::2, ::2] = 255  # a checkerboard: any rescale would blur it to grey
    canvas.show_frame(frame)
    image = canvas.grab().toImage()
    ratio = canvas.devicePixelRatioF()
    left = round((canvas.width() - frame.shape[1] / ratio) / 2 * ratio)
    values = {image.pixelColor(left + x, y).red() for x in range(8) for y in range(8)}
    assert values == {0, 255}
    with qtbot.waitSignal(canvas.resized, timeout=2000):
        canvas.resize(500, 360)
