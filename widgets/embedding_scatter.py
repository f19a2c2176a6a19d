"""The t-SNE scatter of a run's clip embeddings (the paper's Fig. 4), linked to the player.

Colour by ground truth, prediction, correct/wrong or class group. Hover shows the classes, the
confidence and the clip's middle frame; a click selects the clip (the player jumps to it);
Shift+drag draws a box and Ctrl+drag a free-hand lasso; the clips inside become the selection. One
ScatterPlotItem whose points share a few brushes, and the selection as a second item, keep 10,000
points smooth.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainterPath, QPixmap, QPolygonF
from PySide6.QtWidgets import (QComboBox, QFrame, QGraphicsPathItem, QGraphicsRectItem, QHBoxLayout, QLabel, QScrollArea,
                               QVBoxLayout, QWidget)

from cabinlens.widgets.export import FIGURE_FILTER, export_button, export_figure
from cabinlens.widgets.legend import Entry, Legend
from cabinlens.widgets.palette import CORRECT, class_colour
from cabinlens.widgets.plots import without_menus, title_label

WRONG = QColor(215, 50, 50)
COLOURINGS = ("ground truth", "prediction", "correct / wrong", "class group")
RARE, COMMON, FILTERED = QColor(230, 140, 30), QColor(70, 110, 200), QColor(215, 215, 215, 90)
LEGEND_ROWS = 3  # more rows of class names scroll


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Which of ``points`` (N, 2) lie inside ``polygon`` (M, 2; closed implicitly), by the even-odd
    rule: a ray to the right crosses the outline an odd number of times. Vectorised over points."""
    points = np.asarray(points, dtype=np.float64)
    polygon = np.asarray(polygon, dtype=np.float64)
    inside = np.zeros(len(points), dtype=bool)
    if len(polygon) < 3 or not len(points):
        return inside
    x, y = points[:, 0], points[:, 1]
    for (x0, y0), (x1, y1) in zip(polygon, np.roll(polygon, -1, axis=0)):
        if y0 == y1:
            continue  # a horizontal edge never crosses a horizontal ray
        spans = (y0 > y) != (y1 > y)
        crossing_x = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= spans & (x < crossing_x)
    return inside


class _BoxViewBox(pg.ViewBox):
    """A ViewBox where Shift+drag draws a selection box and Ctrl+drag a lasso instead of panning."""

    boxSelected = Signal(object)  # QRectF in data coordinates
    lassoSelected = Signal(object)  # (M, 2) polygon in data coordinates

    def __init__(self) -> None:
        super().__init__()
        self._box: QGraphicsRectItem | None = None
        self._lasso: QGraphicsPathItem | None = None
        self._trail: list[QPointF] = []

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph API
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return self._lasso_drag(ev)
        if not ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        a, b = self.mapToView(ev.buttonDownPos()), self.mapToView(ev.pos())
        rect = QRectF(a, b).normalized()
        if self._box is None:
            self._box = QGraphicsRectItem()
            self._box.setPen(pg.mkPen((40, 40, 40), width=1, style=Qt.PenStyle.DashLine))
            self._box.setBrush(pg.mkBrush(60, 120, 220, 40))
            self._box.setZValue(1000)
            self.addItem(self._box, ignoreBounds=True)
        self._box.setRect(rect)
        if ev.isFinish():
            self.removeItem(self._box)
            self._box = None
            self.boxSelected.emit(rect)

    def _lasso_drag(self, ev) -> None:
        ev.accept()
        if ev.isStart() or self._lasso is None:
            self._trail = [self.mapToView(ev.buttonDownPos())]
            self._lasso = QGraphicsPathItem()
            self._lasso.setPen(pg.mkPen((20, 20, 20), width=1.5, style=Qt.PenStyle.DashLine))
            self._lasso.setBrush(pg.mkBrush(60, 120, 220, 50))
            self._lasso.setZValue(1000)  # over the points, so the outline stays visible in a dense cloud
            self.addItem(self._lasso, ignoreBounds=True)
        self._trail.append(self.mapToView(ev.pos()))
        path = QPainterPath()
        path.addPolygon(QPolygonF(self._trail))
        path.closeSubpath()
        self._lasso.setPath(path)
        if ev.isFinish():
            self.removeItem(self._lasso)
            self._lasso = None
            polygon = np.array([(p.x(), p.y()) for p in self._trail], dtype=np.float64)
            self._trail = []
            self.lassoSelected.emit(polygon)


HINT = "Hover a point: its clip. Click: open it. Shift+drag: select a box. Ctrl+drag: draw a lasso around clips."


class EmbeddingScatter(QWidget):
    clipClicked = Signal(int)  # sample position
    boxSelected = Signal(object)  # list of sample positions inside a box or a lasso

    def __init__(self, thumbnails=None) -> None:
        super().__init__()
        self.setObjectName("embeddingScatter")
        self.thumbnails = thumbnails
        self.colouring = QComboBox()
        self.colouring.addItems(list(COLOURINGS))
        self.title = title_label()
        self.view = _BoxViewBox()
        self.plot = without_menus(pg.PlotWidget(viewBox=self.view, background="w"))
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.scatter = pg.ScatterPlotItem(size=7, pen=None, hoverable=True, hoverSize=11,
                                          hoverPen=pg.mkPen((0, 0, 0), width=1.5), tip=None)
        self.plot.addItem(self.scatter)
        # The selection as rings on top: a second item, so selecting never restyles 10,000 points.
        self.highlight = pg.ScatterPlotItem(size=12, pen=pg.mkPen((0, 0, 0), width=1.5), brush=None)
        self.plot.addItem(self.highlight)
        self.preview = QLabel()
        self.preview.setMinimumHeight(110)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview_text = QLabel(HINT)
        self.preview_text.setWordWrap(True)
        self.separation = QLabel()
        self.separation.setWordWrap(True)  # a long line would set the dock's minimum width
        self.separation.setStyleSheet("color: #555")
        self.separation.hide()
        self.legend = Legend()
        self.legend_area = QScrollArea()
        self.legend_area.setWidget(self.legend)
        self.legend_area.setWidgetResizable(True)
        self.legend_area.setFrameShape(QFrame.Shape.NoFrame)
        self.legend_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(QLabel("colour"))
        bar.addWidget(self.colouring)
        bar.addWidget(export_button(self, "Export the scatter", FIGURE_FILTER, self.export))
        foot = QHBoxLayout()
        foot.addWidget(self.preview)
        foot.addWidget(self.preview_text, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend_area)
        layout.addWidget(self.separation)
        layout.addLayout(foot)
        self.data = None
        self.filter: frozenset[str] = frozenset()
        self.selected: tuple[int, ...] = ()
        self.hovered: int | None = None
        self.colouring.currentIndexChanged.connect(self._redraw)
        self.scatter.sigClicked.connect(self._clicked)
        self.scatter.sigHovered.connect(self._hovered)
        self.view.boxSelected.connect(self._box)
        self.view.lassoSelected.connect(self._lassoed)
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail)

    # ------------------------------------------------------------------ data
    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        self.selected = ()
        self.clear_preview()
        self.title.setText(f"<b>{data.name}</b> · t-SNE of {len(data.labels)} clips" if data is not None else placeholder)
        separated = getattr(data, "separability", None)
        self.separation.setVisible(separated is not None)
        if separated is not None:
            self.separation.setText(f"class separation in the embedding: {separated.describe()} "
                                    f"({separated.clips} labelled clips)")
            self.separation.setToolTip(
                "How well the embedding itself (not the 2-D picture, which distorts distances) separates the "
                f"classes: the silhouette (1: tight and apart, 0: overlapping) and the balanced accuracy of "
                f"{separated.k} nearest neighbours, leave-one-out. Compare models with the run selector.")
        self._redraw()
        if data is not None:
            self.plot.autoRange()

    def set_filter(self, classes) -> None:
        self.filter = frozenset(classes)
        self._redraw()

    def set_selected(self, positions) -> None:
        self.selected = tuple(positions)
        if self.data is not None:
            self._rings()

    def brushes(self) -> np.ndarray:
        """One brush per point, drawn from a few shared brushes (pyqtgraph then reuses its symbols)."""
        d = self.data
        how = self.colouring.currentText()
        if how == "prediction":
            palette, index = [pg.mkBrush(class_colour(k, 210)) for k in range(len(d.classes))], np.asarray(d.predicted)
        elif how == "correct / wrong":
            palette, index = [pg.mkBrush(WRONG), pg.mkBrush(CORRECT)], (np.asarray(d.labels) == np.asarray(d.predicted)).astype(int)
        elif how == "class group":
            group = {c.name: c.group for c in d.metrics.per_class}
            palette = [pg.mkBrush(RARE), pg.mkBrush(COMMON)]
            index = np.array([group.get(c) == "common" for c in d.classes], dtype=int)[np.asarray(d.labels)]
        else:
            palette, index = [pg.mkBrush(class_colour(k, 210)) for k in range(len(d.classes))], np.asarray(d.labels)
        table = np.empty(len(palette) + 1, dtype=object)
        table[:-1] = palette
        table[-1] = pg.mkBrush(FILTERED)  # filtered out
        if self.filter:
            keep = np.array([c in self.filter for c in d.classes])
            index = np.where(keep[np.asarray(d.labels)] | keep[np.asarray(d.predicted)], index, len(palette))
        return table[index]

    def legend_entries(self) -> list[Entry]:
        """What each colour of the current colouring means (classes: those present, in the filter if any)."""
        d = self.data
        how = self.colouring.currentText()
        if how == "correct / wrong":
            entries = [Entry("correct", CORRECT), Entry("wrong", WRONG)]
        elif how == "class group":
            entries = [Entry("common class (ground truth)", COMMON), Entry("rare class (ground truth)", RARE)]
        else:
            shown = np.unique(np.asarray(d.predicted if how == "prediction" else d.labels))
            entries = [Entry(d.classes[k], class_colour(int(k), 210)) for k in shown
                       if not self.filter or d.classes[k] in self.filter]
        if self.filter:
            entries.append(Entry("outside the filter", FILTERED))
        return entries

    def _legend(self) -> None:
        self.legend.set_entries([] if self.data is None else self.legend_entries())
        row = self.legend._row_height()
        self.legend_area.setVisible(bool(self.legend.entries))
        self.legend_area.setFixedHeight(min(LEGEND_ROWS * row, self.legend.heightForWidth(max(1, self.legend_area.viewport().width()))) or row)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._legend()

    def _redraw(self) -> None:
        self._legend()
        if self.data is None:
            self.scatter.clear()
            self.highlight.clear()
            return
        pts = self.data.points
        self.scatter.setData(x=pts[:, 0], y=pts[:, 1], data=np.arange(len(pts)), brush=self.brushes())
        self._rings()

    def _rings(self) -> None:
        chosen = np.asarray(self.selected, dtype=int)
        self.highlight.setData(x=self.data.points[chosen, 0], y=self.data.points[chosen, 1])

    # ------------------------------------------------------------------ interaction
    def _clicked(self, _item, points, _ev) -> None:
        if len(points):
            self.clipClicked.emit(int(points[0].data()))

    def _hovered(self, _item, points, _ev) -> None:
        if self.data is None or not len(points):
            self.clear_preview()  # the preview leaves with the mouse
            return
        self.show_preview(int(points[0].data()))

    def clear_preview(self) -> None:
        """No clip under the mouse: the hint again, and no picture of a clip that is no longer pointed at."""
        if self.hovered is None and self.preview_text.text() == HINT:
            return
        self.hovered = None
        self.preview_text.setText(HINT)
        self.preview.setPixmap(QPixmap())

    def show_preview(self, i: int) -> None:
        d = self.data
        self.hovered = i
        top = ", ".join(d.classes[k] for k in d.top5[i][:3])
        self.preview_text.setText(f"{d.describe(i)}<br><span style='color:#666'>top 3: {top}</span>")
        s = d.samples[i]
        if self.thumbnails is not None:
            image = self.thumbnails.get(s.video, (s.frame_start + s.frame_end) // 2)
            self.preview.setPixmap(QPixmap.fromImage(image) if image is not None else QPixmap())

    def _thumbnail(self, key, image) -> None:
        if self.hovered is None or self.data is None or image is None:
            return
        s = self.data.samples[self.hovered]
        if tuple(key) == (s.video, (s.frame_start + s.frame_end) // 2):
            self.preview.setPixmap(QPixmap.fromImage(image))

    def _box(self, rect: QRectF) -> None:
        if self.data is None:
            return
        self.boxSelected.emit(self.inside(rect))

    def _lassoed(self, polygon: np.ndarray) -> None:
        if self.data is None:
            return
        self.boxSelected.emit(self.inside_polygon(polygon))

    def inside_polygon(self, polygon: np.ndarray) -> list[int]:
        return [int(i) for i in np.nonzero(points_in_polygon(self.data.points, polygon))[0]]

    def inside(self, rect: QRectF) -> list[int]:
        pts = self.data.points
        mask = ((pts[:, 0] >= rect.left()) & (pts[:, 0] <= rect.right()) & (pts[:, 1] >= rect.top())
                & (pts[:, 1] <= rect.bottom()))
        return [int(i) for i in np.nonzero(mask)[0]]

    def export(self, path: str) -> None:
        export_figure(self.plot, path)
