"""The timeline names what it colours: class names on segments once zoomed in far enough, a legend
of the visible classes and of the right/wrong and confidence rows; the hover text leaves with the
mouse and with the session."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from cabinlens.engine.analysis.session import SessionTracks
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.timeline_rows import runs
from sample_tracks import tracks



def shown_timeline(qtbot, width: int, height: int, frame_count: int) -> Timeline:
    """A timeline on screen with the sample session's tracks (run 7's right/wrong and confidence rows)."""
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(width, height)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.current_track = 7
    timeline.set_tracks(tracks(), frame_count)
    return timeline


def legend_texts(timeline: Timeline) -> list[str]:
    return [label.text for _, label in timeline.legend.items]


def test_names_appear_on_segments_only_when_they_fit(qtbot):
    timeline = shown_timeline(qtbot, 300, 200, 20000)  # a long session: 16-frame segments are far under a pixel
    assert timeline.names == []
    timeline.setXRange(0, 64, padding=0)
    qtbot.waitUntil(lambda: len(timeline.names) > 0)
    shown = {item.textItem.toPlainText() for item in timeline.names}
    assert {"drinking", "eating"} <= shown
    assert all(name in timeline.visible_classes() for name in shown)


def test_legend_names_the_visible_classes_and_the_rows(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.current_track = 7
    timeline.set_tracks(tracks(), 64)
    texts = legend_texts(timeline)
    assert {"drinking", "eating", "writing"} <= set(texts)
    assert texts[:3] == ["correct", "wrong", "confidence 0-100%"]  # first: one row, never cut off


def test_sweep_windows_of_one_class_read_as_one_run():
    s, e, k = runs([0, 8, 16, 40], [16, 24, 32, 56], ["a", "a", "b", "b"])
    assert list(zip(s.tolist(), e.tolist(), k.tolist(), strict=True)) == [(0, 24, "a"), (16, 32, "b"), (40, 56, "b")]


def test_hover_text_leaves_with_the_mouse_and_the_session(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.current_track = 7
    timeline.set_tracks(tracks(), 64)
    timeline.hover.setText("frame 3: drinking")
    timeline.hover.show()
    QApplication.sendEvent(timeline, QEvent(QEvent.Type.Leave))
    assert not timeline.hover.isVisible()
    timeline.hover.show()
    other = tracks()
    timeline.set_tracks(SessionTracks("vp2/run1.ids_1", "/w.mp4", other.ground_truth, other.tracks), 64)
    assert not timeline.hover.isVisible()


def test_a_short_timeline_gives_its_rows_the_legends_room(qtbot):
    """At a 1280x800 window the timeline dock is short: the legend leaves rather than squeeze the tracks."""
    from cabinlens.widgets.timeline import LEGEND_MIN_HEIGHT

    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.current_track = 7
    timeline.set_tracks(tracks(), 64)
    timeline.resize(800, LEGEND_MIN_HEIGHT + 60)
    timeline.show()
    qtbot.waitUntil(lambda: timeline.legend.isVisible())
    timeline.resize(800, LEGEND_MIN_HEIGHT - 60)
    qtbot.waitUntil(lambda: not timeline.legend.isVisible())
    assert timeline.legend not in [timeline.getPlotItem().layout.itemAt(i)
                                   for i in range(timeline.getPlotItem().layout.count())]


def test_touching_bars_of_one_colour_merge_and_others_stay():
    import numpy as np
    from PySide6.QtGui import QColor

    red, blue = QColor(255, 0, 0).rgba(), QColor(0, 0, 255).rgba()
    starts, ends = np.array([0, 8, 16, 30, 38, 46]), np.array([16, 24, 32, 46, 54, 50])
    s, e, c = runs(starts, ends, np.array([red, red, blue, blue, red, red]))
    assert s.tolist() == [0, 16, 38] and e.tolist() == [24, 46, 54]  # 16..32 and 30..46 overlap: one blue bar
    assert c.tolist() == [red, blue, red]
    s, e, c = runs(np.array([0, 20]), np.array([10, 30]), np.array([red, red]))  # a gap: two bars
    assert s.tolist() == [0, 20] and e.tolist() == [10, 30]


def test_hover_text_stays_inside_the_timeline_at_its_right_edge(qtbot):
    from PySide6.QtCore import QPointF

    timeline = shown_timeline(qtbot, 500, 220, 64)
    timeline.setXRange(0, 40, padding=0)  # the ground truth's two segments fill the view
    box = timeline.getViewBox().sceneBoundingRect()
    for x in (box.left() + 5, box.right() - 5):  # the left and the right edge of the ground-truth row
        timeline._moved([QPointF(x, box.top() + 12)])
        assert timeline.hover.isVisible()
        timeline.hover.updateTextPos()
        qtbot.wait(30)  # painted: the text's transform follows the view
        text = timeline.hover.textItem
        shown = text.mapRectToScene(text.boundingRect())
        assert box.left() - 1 <= shown.left() and shown.right() <= box.right() + 1, (x, shown, box)
