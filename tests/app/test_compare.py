"""The compare view and exports from the window, on the demo project: near misses open side by
side, synchronised and free scrubbing, models and CAM classes per pane, exports with Cancel."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "offscreen"  # not kept: the kept ones are on Xvfb


@pytest.fixture
def ready(qtbot, window, demo_data):
    window.player.sweep_sessions = False
    window.start_demo(str(demo_data))
    qtbot.waitUntil(lambda: window.analysis.data is not None and bool(window.analysis.shown_pairs), timeout=60000)
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    return window


def _shown(window) -> list[int]:
    return [p.shown for p in window.compare.panes]


def _expected(window, offsets) -> list[int]:
    return [p.spec.start + min(o, p.spec.length - 1) for p, o in zip(window.compare.panes, offsets, strict=True)]


def _open_first_pair(qtbot, window):
    near = window.analysis.near
    next(d for d in window.analysis_docks if d.objectName() == "Near misses").raise_()
    qtbot.wait(100)
    rect = near.table.visualRect(near.table.model().index(0, 0))
    qtbot.mouseClick(near.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len(window.compare.panes) == 2 and min(_shown(window)) >= 0, timeout=30000)
    return window.analysis.shown_pairs[0]


def test_one_click_on_a_near_miss_opens_the_pair_side_by_side(qtbot, ready):
    window = ready
    d = window.analysis.data
    pair = _open_first_pair(qtbot, window)
    assert window.tabs.currentWidget() is window.compare_view
    right, wrong = d.samples[pair.correct], d.samples[pair.wrong]
    specs = [p.spec for p in window.compare.panes]
    assert [(s.file_id, s.start, s.end, s.model) for s in specs] == [
        (right.file_id, right.frame_start, right.frame_end, d.model), (wrong.file_id, wrong.frame_start, wrong.frame_end, d.model)]
    assert d.labels[pair.correct] == d.labels[pair.wrong] == d.predicted[pair.correct] != d.predicted[pair.wrong]
    assert _shown(window) == [s.start for s in specs]
    labels = [p.labels.text() for p in window.compare_view.panes]
    qtbot.waitUntil(lambda: all("GT <b>" in p.labels.text() for p in window.compare_view.panes), timeout=10000)
    labels = [p.labels.text() for p in window.compare_view.panes]
    assert f"<b>{d.classes[d.predicted[pair.correct]]}</b>" in labels[0] and "✓" in labels[0]
    assert f"<b>{d.classes[d.predicted[pair.wrong]]}</b>" in labels[1] and "✗" in labels[1]
    assert all(p.canvas.pixmap is not None for p in window.compare_view.panes)


def test_synchronised_scrubbing_and_playback_keep_panes_aligned_to_their_starts(qtbot, ready):
    window = ready
    _open_first_pair(qtbot, window)
    view = window.compare_view
    view.slider.setValue(25)  # the shared scrubber
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [25, 25]), timeout=10000)
    last = window.compare.length - 1
    view.slider.setValue(last)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [last, last]), timeout=10000)
    view.slider.setValue(10)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [10, 10]), timeout=10000)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Space)  # routed to the compare view while its tab is shown
    assert window.compare.playing and not window.state.playing
    qtbot.waitUntil(lambda: window.compare.offset >= 20, timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.compare.playing
    at = window.compare.offset
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [at, at]), timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [at + 1, at + 1]), timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [0, 0]), timeout=10000)


def test_free_mode_moves_one_pane_and_sync_brings_them_back(qtbot, ready):
    window = ready
    _open_first_pair(qtbot, window)
    view = window.compare_view
    view.slider.setValue(5)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [5, 5]), timeout=10000)
    view.sync.setChecked(False)
    assert not window.compare.sync and view.panes[1].slider.isVisibleTo(view)
    view.panes[1].slider.setValue(30)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [5, 30]), timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Right)  # a step moves each pane from where it is
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [6, 31]), timeout=10000)
    view.sync.setChecked(True)
    qtbot.waitUntil(lambda: _shown(window) == _expected(window, [6, 6]), timeout=10000)


def test_a_pane_under_another_model_and_another_cam_class(qtbot, ready):
    window = ready
    _open_first_pair(qtbot, window)
    view = window.compare_view
    view.add_model.click()
    qtbot.waitUntil(lambda: len(window.compare.panes) == 3 and min(_shown(window)) >= 0, timeout=30000)
    third = window.compare.panes[2]
    assert third.spec.model != "i3d_small" and (third.spec.start, third.spec.end) == (
        window.compare.panes[0].spec.start, window.compare.panes[0].spec.end)
    view.panes[0].target.setCurrentIndex(view.panes[0].target.findData("top2"))
    assert window.compare.panes[0].spec.target == "top2"
    qtbot.waitUntil(lambda: window.compare.panes[0].info is not None and "CAM <i>" in view.panes[0].labels.text(),
                    timeout=10000)
    d = window.analysis.data
    position = next(i for i, s in enumerate(d.samples) if (s.file_id, s.frame_start) == (
        window.compare.panes[0].spec.file_id, window.compare.panes[0].spec.start))
    second = d.classes[int(d.top5[position, 1])]
    qtbot.waitUntil(lambda: f"CAM <i>{second}</i>" in view.panes[0].labels.text(), timeout=10000)
    view.panes[1].model.setCurrentText("p3d_small")
    assert window.compare.panes[1].spec.model == "p3d_small"
    qtbot.waitUntil(lambda: window.compare.panes[1].info is not None, timeout=10000)
    view.panes[2].closeRequested.emit()
    assert len(window.compare.panes) == 2 and len(view.panes) == 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(200)
    assert window.grab().save(str(SHOTS / "compare_view.png"))


def test_near_misses_follow_a_confusion_cell_and_clips_compare(qtbot, ready):
    window = ready
    panels, d = window.analysis, window.analysis.data
    true, pred, _, _ = d.metrics.top_confusions(1)[0]
    panels.confusion.view.cellClicked.emit(true, pred)
    chosen = set(window.state.selection)
    assert chosen and all(m.wrong in chosen or m.correct in chosen for m in panels.shown_pairs)
    assert panels.shown_pairs and panels.near.all.isVisibleTo(panels.near)
    assert panels.near.table.rowCount() == len(panels.shown_pairs)
    panels.clips.select_rows([0, 1])
    panels.clips.compare.click()
    qtbot.waitUntil(lambda: len(window.compare.panes) == 2 and min(_shown(window)) >= 0, timeout=30000)
    starts = {(p.spec.file_id, p.spec.start) for p in window.compare.panes}
    assert starts == {(d.samples[i].file_id, d.samples[i].frame_start) for i in sorted(chosen)[:2]}
    panels.near.all.click()
    assert not window.state.selection and len(panels.shown_pairs) == min(len(d.near_misses), 300)


def test_exports_from_the_window_and_cancel(qtbot, ready, tmp_path):
    window = ready
    _open_first_pair(qtbot, window)
    specs = window.compare.specs()
    out = tmp_path / "layout.mp4"
    window.export_layout(specs, 0.5, path=str(out))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=60000)
    assert out.exists() and window.last_export_status == "exported layout.mp4; Grad-CAM per clip"
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == window.compare.length
    cap.release()
    png = tmp_path / "layout.png"
    window.compare_view.slider.setValue(12)
    window.save_layout_png(specs, [window.compare.offset_of(k) for k in range(2)], 1.0, path=str(png))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=30000)
    image = cv2.imread(str(png))
    assert image is not None and image.shape[1] > image.shape[0]

    window.tabs.setCurrentWidget(window.video)
    long = tmp_path / "long.mp4"
    window.export_range(path=str(long), start=0, end=min(3000, window.state.frame_count))
    qtbot.waitUntil(lambda: window.export_cancel.isVisible(), timeout=30000)
    qtbot.mouseClick(window.export_cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=30000)
    assert window.last_export_status.startswith("export cancelled")
    assert sorted(p.name for p in tmp_path.glob("*.*") if p.suffix != ".ini") == ["layout.mp4", "layout.png"]  # no long.mp4

    segment = tmp_path / "segment.mp4"
    window.export_segment(path=str(segment))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=60000)
    a, b = window._segment_here()
    cap = cv2.VideoCapture(str(segment))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == b - a
    cap.release()


def test_a_failing_export_is_reported_and_the_window_keeps_working(qtbot, ready, tmp_path):
    from cabinlens.engine.clips.panes import PaneSpec

    window = ready
    window.export_layout([PaneSpec("vp99/none", 0, 10, "i3d_small")], 1.0, path=str(tmp_path / "x.mp4"))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=30000)
    assert "has no session 'vp99/none'; sessions: " in window.last_error
    assert [p for p in tmp_path.iterdir() if p.suffix != ".ini"] == []  # the settings file aside, nothing written
    window.state.set_frame(window.state.frame + 1)  # still responsive
    qtbot.waitUntil(lambda: window.video.labels.text().startswith(f"<b>frame {window.state.frame}</b>"), timeout=10000)


def test_every_model_on_the_segment_under_the_playhead(qtbot, ready):
    window = ready
    a, b = window._segment_here()
    window.state.set_frame(a + 7)
    window.compare_models_here()
    assert window.tabs.currentWidget() is window.compare_view
    qtbot.waitUntil(lambda: len(window.compare.panes) == 3 and min(_shown(window)) >= 0, timeout=30000)
    assert [p.spec.model for p in window.compare.panes] == ["i3d_small", "c3d_small", "p3d_small"]
    assert {(p.spec.start, p.spec.end) for p in window.compare.panes} == {(a, b)}
    qtbot.waitUntil(lambda: _shown(window) == [a + 7] * 3, timeout=10000)


def test_the_export_menu_asks_for_a_file_and_writes_it(qtbot, ready, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = ready
    asked = []
    out = tmp_path / "exports"
    out.mkdir()

    def save_as(_parent, _title, suggestion, _filter):
        asked.append(suggestion)
        return str(out / Path(suggestion).name), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Export")
    actions = {a.text(): a for a in menu.actions()}
    actions["Current &segment as MP4 ..."].trigger()
    qtbot.waitUntil(lambda: not window.exports.busy and window.last_export_status.startswith("exported"), timeout=60000)
    actions["Current &frame as PNG ..."].trigger()
    qtbot.waitUntil(lambda: not window.exports.busy and ".png;" in window.last_export_status, timeout=30000)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and names[0].endswith(".mp4") and names[1].endswith(".png")
    # A time range: the dialog opens on the segment under the playhead; the user picks 2 s from there.
    from PySide6.QtWidgets import QDialog

    from cabinlens.widgets.range_dialog import TimeRangeDialog

    opened = []

    def pick(dialog):
        opened.append((dialog.start, dialog.end))
        dialog._seconds["end"].setValue(dialog._seconds["start"].value() + 2.0)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TimeRangeDialog, "exec", pick)
    actions["Time &range of the session as MP4 ..."].trigger()
    qtbot.waitUntil(lambda: not window.exports.busy and len(list(out.iterdir())) == 3, timeout=60000)
    start = opened[0][0]
    assert opened[0][0] <= window.state.frame < opened[0][1]
    clip = next(p for p in out.iterdir() if p.name not in names)
    assert f"{start}-{start + 60}" in clip.name  # 2 s at 30 fps, end exclusive
    reader = cv2.VideoCapture(str(clip))
    assert int(reader.get(cv2.CAP_PROP_FRAME_COUNT)) == 60
    assert window.state.session.replace("/", "_") in asked[0]


def test_the_compare_layout_is_kept_per_project_and_reopened(qtbot, ready, settings, demo_data):
    import json

    from cabinlens.app.main_window import COMPARE_LAYOUTS, MainWindow

    window = ready
    _open_first_pair(qtbot, window)
    window.compare.set_pane_target(1, "gt")
    window.compare.set_sync(False)
    window.compare.set_pane_offset(0, 5)
    want = window.compare.layout()
    assert [p["target"] for p in want["panes"]] == ["pred", "gt"] and want["panes"][0]["offset"] == 5
    window.close()

    def reopen() -> MainWindow:
        again = MainWindow(settings)
        qtbot.addWidget(again)
        again.show()
        again.player.sweep_sessions = False
        again.start_demo(str(demo_data))
        qtbot.waitUntil(lambda: again.player.tracks is not None, timeout=60000)
        return again

    again = reopen()
    qtbot.waitUntil(lambda: len(again.compare.panes) == 2, timeout=30000)
    assert again.compare.layout() == want
    assert again.tabs.currentIndex() == 0  # kept for later, not pushed in front of the player
    qtbot.waitUntil(lambda: min(p.shown for p in again.compare.panes) >= 0, timeout=30000)
    assert [p.shown for p in again.compare.panes] == [p.spec.start + o for p, o in zip(again.compare.panes, (5, 0))]
    again.compare.remove_pane(1)
    assert not again.compare.sync and again.compare.panes[0].offset == 5  # removing a pane keeps the others where they are
    again.compare.remove_pane(0)  # all panes closed: nothing is kept for this project
    assert json.loads(settings.value(COMPARE_LAYOUTS)) == {}
    again.close()

    # A hand-edited settings file: not JSON, or a layout that does not fit, is skipped with a message.
    project = again.state.project
    settings.setValue(COMPARE_LAYOUTS, "{not json")
    third = reopen()
    assert not third.compare.panes
    third.close()
    settings.setValue(COMPARE_LAYOUTS, json.dumps({project: {"panes": [{"session": "vp1/x", "start": 9, "end": 3}]}}))
    fourth = reopen()
    qtbot.waitUntil(lambda: "was not reopened" in fourth.layout_problem, timeout=30000)
    assert "empty or negative" in fourth.layout_problem
    assert not fourth.compare.panes
    fourth.close()
