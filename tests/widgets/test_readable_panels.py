"""The analysis panels read at their default size: the confusion matrix's numbers, hover, zoom, pan
and clicked cell; the failure plots' ticks, bars and legend; the scatter's legend. Fake data of the
shape the window hands them; no application state."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from cabinlens.widgets.confusion_matrix import ConfusionPanel
from cabinlens.widgets.embedding_scatter import EmbeddingScatter
from cabinlens.widgets.failure_plots import FailurePlots, log_ticks

CLASSES = [f"class_{k:02d}_with_a_long_name" for k in range(34)]


def matrix_data() -> SimpleNamespace:
    rng = np.random.default_rng(0)
    confusion = np.diag(rng.integers(5, 40, 34)) + rng.integers(0, 3, (34, 34))
    per_class = [SimpleNamespace(name=c, recall=0.1 + 0.8 * (k % 7) / 7, train_count=int(5 * 1.3 ** k) + 3,
                                 group="rare" if k < 17 else "common", support=10) for k, c in enumerate(CLASSES)]
    pairs = [(CLASSES[k], CLASSES[k + 1], 12 - k, 0.2) for k in range(12)]
    metrics = SimpleNamespace(confusion=confusion, per_class=per_class, top_confusions=lambda n: pairs[:n])
    labels = np.repeat(np.arange(34), 3)
    predicted = np.roll(labels, 1)
    return SimpleNamespace(name="i3d_small · split 0 test", classes=CLASSES, train_counts={}, leaf_order=None,
                           metrics=metrics, labels=labels, predicted=predicted, points=rng.normal(size=(len(labels), 2)),
                           separability=None)


def wheel(widget, pos: QPointF, steps: int) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_matrix_numbers_toggle_hover_click_zoom_and_pan(qtbot):
    panel = ConfusionPanel()
    qtbot.addWidget(panel)
    panel.resize(560, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_data(matrix_data())
    view = panel.view
    assert view.show_numbers and panel.numbers.isChecked()
    panel.numbers.setChecked(False)
    assert not view.show_numbers
    panel.numbers.setChecked(True)
    # Hover highlights a row and a column; leaving clears it.
    centre = view.cell_centre(CLASSES[3], CLASSES[5])
    qtbot.mouseMove(view, QPoint(int(centre.x()), int(centre.y())))
    qtbot.waitUntil(lambda: view.hovered == (3, 5))
    QApplication.sendEvent(view, QEvent(QEvent.Type.Leave))
    assert view.hovered is None
    # A click selects and marks the cell.
    clicked = []
    view.cellClicked.connect(lambda t, p: clicked.append((t, p)))
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()), int(centre.y())))
    assert clicked == [(CLASSES[3], CLASSES[5])] and view.selected == (CLASSES[3], CLASSES[5])
    # The wheel zooms about the cursor: the cell under it stays under it, and cells grow.
    before = view._cell()
    wheel(view, centre, 3)
    assert view._cell() > 1.9 * before
    assert view.cell_at(centre) == (3, 5)
    # A drag pans without clicking a cell; a double-click shows the whole matrix again.
    start = view.cell_centre(CLASSES[10], CLASSES[10])
    offset = QPointF(view.offset)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(int(start.x()), int(start.y())))
    qtbot.mouseMove(view, QPoint(int(start.x()) - 40, int(start.y()) - 30))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(int(start.x()) - 40, int(start.y()) - 30))
    assert view.offset.x() > offset.x() and view.offset.y() > offset.y()
    assert len(clicked) == 1
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(start.x()), int(start.y())))
    assert view.zoom == 1.0 and view.offset == QPointF(0, 0)
    assert not view.grab().isNull()


def test_log_ticks_never_crowd():
    assert [t for _, t in log_ticks(0, 2)] == ["1", "2", "5", "10", "20", "50", "100"][:6] or len(log_ticks(0, 2)) <= 6
    wide = log_ticks(0.5, 4.2, most=4)
    assert len(wide) <= 4 and all(float(t) in (10, 100, 1000, 10000) for _, t in wide)
    assert [t for _, t in log_ticks(1, 2, most=6)] == ["10", "20", "50", "100"]


def test_failure_plots_show_bars_named_inside_and_a_legend(qtbot):
    plots = FailurePlots()
    qtbot.addWidget(plots)
    plots.resize(560, 600)
    plots.show()
    qtbot.waitExposed(plots)
    plots.set_data(matrix_data())
    # Every bar has its confusion written on it, and lies inside the visible x range.
    assert len(plots.bar_labels) == 12 and plots.bar_labels[0].textItem.toPlainText().startswith(f"{CLASSES[0]} → ")
    lo, hi = plots.confusions.getViewBox().viewRange()[0]
    assert lo <= 0 and hi >= 12
    # The plot has the panel's width (no left axis as wide as the longest pair).
    assert plots.confusions.getViewBox().width() > 0.8 * plots.confusions.width()
    # Ticks on the training-count axis are few enough not to overlap.
    axis = plots.recall.getAxis("bottom")
    ticks = axis._tickLevels[0]
    assert 2 <= len(ticks) <= max(2, axis.width() // 45)
    texts = plots.legend.texts()
    assert texts[:2] == ["common class", "rare class"] and texts[2].endswith("training clips")
    qtbot.waitUntil(lambda: plots.legend.height() >= plots.legend.heightForWidth(plots.legend.width()) > 0)
    # A click on a bar still selects that confusion.
    assert plots.bar_at(11) == (CLASSES[0], CLASSES[1])


def test_scatter_legend_follows_the_colouring_and_the_filter(qtbot):
    scatter = EmbeddingScatter()
    qtbot.addWidget(scatter)
    scatter.resize(560, 600)
    scatter.show()
    qtbot.waitExposed(scatter)
    scatter.set_data(matrix_data())
    assert scatter.legend.texts() == CLASSES and scatter.legend_area.isVisible()
    assert scatter.legend_area.height() < 80  # three rows at most; the rest scrolls
    scatter.colouring.setCurrentText("correct / wrong")
    assert scatter.legend.texts() == ["correct", "wrong"]
    scatter.colouring.setCurrentText("class group")
    assert scatter.legend.texts() == ["common class (ground truth)", "rare class (ground truth)"]
    scatter.colouring.setCurrentText("prediction")
    scatter.set_filter({CLASSES[2]})
    assert scatter.legend.texts() == [CLASSES[2], "outside the filter"]


def test_scatter_preview_leaves_with_the_mouse_and_with_the_data(qtbot):
    scatter = EmbeddingScatter()
    qtbot.addWidget(scatter)
    data = matrix_data()
    data.top5 = np.tile(np.arange(5), (len(data.labels), 1))
    data.samples = [SimpleNamespace(video="v", frame_start=0, frame_end=10)] * len(data.labels)
    data.describe = lambda i: f"clip {i}"
    scatter.set_data(data)
    hint = scatter.preview_text.text()
    scatter._hovered(scatter.scatter, scatter.scatter.points()[:1], None)
    assert scatter.hovered == 0 and "clip 0" in scatter.preview_text.text()
    scatter._hovered(scatter.scatter, [], None)  # what pyqtgraph sends when the mouse leaves the point
    assert scatter.hovered is None and scatter.preview_text.text() == hint
    scatter._hovered(scatter.scatter, scatter.scatter.points()[:1], None)
    scatter.set_data(data)  # another run or session: nothing of the old hover stays
    assert scatter.hovered is None and scatter.preview_text.text() == hint


def test_dendrogram_legend_names_every_cluster_colour_and_grey(qtbot):
    from scipy.cluster.hierarchy import linkage

    from cabinlens.widgets.dendrogram import Dendrogram

    rng = np.random.default_rng(1)
    corners = [(0, 0, 0), (10, 0, 0), (5, 8.66, 0)]  # three groups equally far apart: three clusters
    centres = np.concatenate([rng.normal(c, 0.1, size=(4, 3)) for c in corners])
    names = [f"c{k}" for k in range(12)]
    tree = Dendrogram()
    qtbot.addWidget(tree)
    tree.set_data(SimpleNamespace(linkage=linkage(centres, "ward"), linkage_names=names, name="m"))
    texts = tree.legend.texts()
    assert len(tree.clusters) == 3
    assert texts[:3] == ["cluster 1 · 4 classes", "cluster 2 · 4 classes", "cluster 3 · 4 classes"]
    assert texts[3].startswith("merges above 70%")
    colours = {e.colour.getRgb()[:3] for e in tree.legend.entries}
    assert len(colours) == 4  # three cluster colours and grey
    assert tree.legend.toolTip().splitlines()[0] == "cluster 1: " + ", ".join(tree.leaves[:4])
    tree.set_data(None, "no data")
    assert tree.legend.texts() == []


def test_the_largest_bubble_stays_inside_a_short_recall_plot(qtbot):
    plots = FailurePlots()
    qtbot.addWidget(plots)
    plots.resize(460, 330)  # the Failures panel at 1280x800: a recall plot about 100 px high
    plots.show()
    qtbot.waitExposed(plots)
    plots.set_data(matrix_data())
    qtbot.wait(50)
    vb = plots.recall.getViewBox()
    top, bottom = vb.mapViewToScene(QPointF(0, 1.0)).y(), vb.mapViewToScene(QPointF(0, 0.0)).y()
    box = vb.sceneBoundingRect()
    from cabinlens.widgets.failure_plots import LARGEST
    assert top - box.top() >= LARGEST / 2 and box.bottom() - bottom >= LARGEST / 2


def test_matrix_names_never_overprint_and_all_show_when_zoomed_in(qtbot):
    from PySide6.QtGui import QFontMetrics

    panel = ConfusionPanel()
    qtbot.addWidget(panel)
    panel.resize(460, 420)  # the panel at 1280x800: cells of a few pixels
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_data(matrix_data())
    view = panel.view
    small = view._cell()
    step = view.label_step(small)
    assert step > 1 and step * small >= QFontMetrics(view.label_font(small)).height()  # drawn names a line apart
    assert not view.grab().isNull()
    wheel(view, QPointF(view.width() * 0.7, view.height() * 0.7), 8)
    assert view.label_step(view._cell()) == 1  # zoomed in: every name
