"""The confusion matrix: counts or row-normalised, 34 readable labels, hover numbers, cell clicks.

Drawn with QPainter (rotated column labels, exact cell hit-testing); a click on a cell emits its
(true, predicted) classes, which the window turns into the selection of that cell's clips, and
marks the cell. The mouse wheel zooms about the cursor and a drag pans, so 34x34 cells can be read
one region at a time with their numbers and labels at a legible size; a double-click shows all.
The hovered cell's row and column are highlighted; the tooltip leaves with the mouse.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from cabinlens.widgets.export import FIGURE_FILTER, export_button, export_figure
from cabinlens.widgets.plots import title_label

ORDERS = ("alphabetical", "training frequency", "dendrogram")
MAX_ZOOM = 12.0
DRAG_START = 4  # pixels the mouse moves before a press becomes a pan instead of a click
HOVER = QColor(255, 215, 0, 70)


def class_order(classes, train_counts: dict, dendrogram_leaves: list[str] | None, how: str) -> list[int]:
    """Indices of ``classes`` in the chosen order (dendrogram: its leaf order, then the rest)."""
    names = list(classes)
    if how == "training frequency":
        return sorted(range(len(names)), key=lambda i: (-train_counts.get(names[i], 0), names[i]))
    if how == "dendrogram" and dendrogram_leaves:
        first = [names.index(n) for n in dendrogram_leaves if n in names]
        return first + [i for i in range(len(names)) if i not in first]
    return sorted(range(len(names)), key=lambda i: names[i])


class MatrixView(QWidget):
    cellClicked = Signal(str, str)  # true class, predicted class

    def __init__(self) -> None:
        super().__init__()
        self.setMouseTracking(True)
        self.setMinimumSize(300, 300)  # smaller than the 34 labels need: the wheel zooms in
        self.classes: list[str] = []
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.order: list[int] = []
        self.normalised = False
        self.highlight: frozenset[str] = frozenset()
        self.placeholder = "No analysis yet"
        self.margin = 170
        self.show_numbers = True
        self.zoom = 1.0
        self.offset = QPointF(0, 0)  # pixels of the zoomed grid scrolled out at the left and top
        self.hovered: tuple[int, int] | None = None  # (row, column) in display order
        self.selected: tuple[str, str] | None = None  # (true, predicted) of the clicked cell
        self._press: QPointF | None = None
        self._panning = False

    def set_matrix(self, classes, counts: np.ndarray, order: list[int]) -> None:
        same = list(classes) == self.classes
        self.classes, self.counts, self.order = list(classes), np.asarray(counts), list(order)
        self.hovered = None
        if not same:
            self.selected = None
            self.reset_view()
        self._clamp()
        self.update()

    def _fit(self) -> float:
        """The cell size at which the whole matrix fits."""
        n = max(1, len(self.order))
        return max(4.0, min((self.width() - self.margin - 8) / n, (self.height() - self.margin - 8) / n))

    def _cell(self) -> float:
        return self._fit() * self.zoom

    def reset_view(self) -> None:
        self.zoom, self.offset = 1.0, QPointF(0, 0)
        self.update()

    def _clamp(self) -> None:
        """Keep the grid in view: no panning past its edges."""
        n = len(self.order)
        extent = n * self._cell()
        room_x, room_y = self.width() - self.margin - 8, self.height() - self.margin - 8
        self.offset = QPointF(min(max(0.0, self.offset.x()), max(0.0, extent - room_x)),
                              min(max(0.0, self.offset.y()), max(0.0, extent - room_y)))

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Zoom by ``factor`` keeping the point under ``pos`` where it is."""
        c = self._cell()
        gx, gy = (pos.x() - self.margin + self.offset.x()) / c, (pos.y() - self.margin + self.offset.y()) / c
        self.zoom = min(MAX_ZOOM, max(1.0, self.zoom * factor))
        c = self._cell()
        self.offset = QPointF(gx * c - (pos.x() - self.margin), gy * c - (pos.y() - self.margin))
        self._clamp()
        self.update()

    def pan(self, dx: float, dy: float) -> None:
        self.offset = QPointF(self.offset.x() - dx, self.offset.y() - dy)
        self._clamp()
        self.update()

    def _x(self, column: float) -> float:
        return self.margin + column * self._cell() - self.offset.x()

    def _y(self, row: float) -> float:
        return self.margin + row * self._cell() - self.offset.y()

    def values(self) -> np.ndarray:
        m = self.counts[np.ix_(self.order, self.order)].astype(float)
        if self.normalised:
            rows = m.sum(1, keepdims=True)
            m = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
        return m

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(row, column) in display order under ``pos``, or None."""
        if pos.x() < self.margin or pos.y() < self.margin:
            return None
        c = self._cell()
        col, row = (pos.x() - self.margin + self.offset.x()) / c, (pos.y() - self.margin + self.offset.y()) / c
        n = len(self.order)
        if 0 <= row < n and 0 <= col < n:
            return int(row), int(col)
        return None

    def cell_centre(self, true: str, predicted: str) -> QPointF:
        names = [self.classes[i] for i in self.order]
        return QPointF(self._x(names.index(predicted) + 0.5), self._y(names.index(true) + 0.5))

    def describe(self, row: int, col: int) -> str:
        t, p = self.order[row], self.order[col]
        n = int(self.counts[t, p])
        support = int(self.counts[t].sum())
        share = f" ({n / support:.0%} of {support})" if support else ""
        return f"true {self.classes[t]} → predicted {self.classes[p]}: {n} clip(s){share}"

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(255, 255, 255))
        if not self.order:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        self._clamp()
        c = self._cell()
        values = self.values()
        top = values.max() or 1.0
        names = [self.classes[i] for i in self.order]
        n = len(names)
        grid = QRectF(self.margin, self.margin, self.width() - self.margin, self.height() - self.margin)
        first_k, first_r = int(self.offset.x() // c), int(self.offset.y() // c)
        last_k = min(n, first_k + int(grid.width() // c) + 2)
        last_r = min(n, first_r + int(grid.height() // c) + 2)
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(11.0, c * 0.45)))
        p.setFont(font)
        p.save()
        p.setClipRect(grid)
        for r in range(first_r, last_r):
            for k in range(first_k, last_k):
                v = values[r, k] / top
                colour = QColor.fromHsvF(0.6, min(1.0, 0.15 + 0.85 * v), 1.0 - 0.55 * v) if v > 0 else QColor(246, 246, 246)
                if r != k and values[r, k] > 0:
                    colour = QColor.fromHsvF(0.02, min(1.0, 0.25 + 0.75 * v), 1.0 - 0.3 * v)
                rect = QRectF(self._x(k), self._y(r), c - 1, c - 1)
                p.fillRect(rect, colour)
                if self.show_numbers and values[r, k] > 0:
                    text = f"{values[r, k]:.2f}".lstrip("0") if self.normalised else str(int(values[r, k]))
                    if p.fontMetrics().horizontalAdvance(text) <= c - 2 and p.fontMetrics().height() <= c + 2:
                        p.setPen(QColor(255, 255, 255) if v > 0.5 else QColor(30, 30, 30))
                        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if self.hovered is not None:
            r, k = self.hovered
            p.fillRect(QRectF(self.margin, self._y(r), n * c, c - 1).translated(-self.offset.x(), 0), HOVER)
            p.fillRect(QRectF(self._x(k), self.margin, c - 1, n * c).translated(0, -self.offset.y()), HOVER)
        if self.selected is not None and all(s in names for s in self.selected):
            centre = self.cell_centre(*self.selected)
            p.setPen(QPen(QColor(0, 0, 0), 2.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(centre.x() - c / 2 - 1, centre.y() - c / 2 - 1, c + 1, c + 1))
            p.setPen(QPen(QColor(255, 215, 0), 1))
            p.drawRect(QRectF(centre.x() - c / 2 + 1, centre.y() - c / 2 + 1, c - 3, c - 3))
        p.restore()
        label_font = self.label_font(c)
        step = self.label_step(c)
        hovered = self.hovered or (-1, -1)
        for k, name in enumerate(names):
            if k % step and k not in hovered:
                continue
            dim = self.highlight and name not in self.highlight
            bold = QFont(label_font)
            p.setPen(QColor(170, 170, 170) if dim else QColor(20, 20, 20))
            p.save()
            p.setClipRect(QRectF(0, self.margin, self.margin, grid.height()))
            bold.setBold(self.hovered is not None and self.hovered[0] == k)
            p.setFont(bold)
            room = int(self.margin - 4)  # a name longer than the margin ends in "…" (the hover says it whole)
            p.drawText(QRectF(0, self._y(k), room, c), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       p.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, room))
            p.restore()
            p.save()
            p.setClipRect(QRectF(self.margin, 0, grid.width(), self.margin))
            bold.setBold(self.hovered is not None and self.hovered[1] == k)
            p.setFont(bold)
            p.translate(self._x(k), self.margin - 4)
            p.rotate(-90)
            p.drawText(QRectF(0, 0, self.margin - 8, c), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       p.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(self.margin - 8)))
            p.restore()
        p.setPen(QPen(QColor(60, 60, 60)))
        p.drawText(QRectF(0, 0, self.margin, self.margin - 8), Qt.AlignmentFlag.AlignCenter,
                   "rows: ground truth\ncolumns: prediction")

    def label_font(self, cell: float) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, min(10.0, cell * 0.7)))
        return font

    def label_step(self, cell: float) -> int:
        """Cells smaller than a line of text: every step-th name is drawn, so names never overprint
        each other (the hovered row's and column's always; zooming in shows them all)."""
        return max(1, math.ceil(QFontMetrics(self.label_font(cell)).height() / max(cell, 1e-6)))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        pos = event.position()
        if self._press is not None:
            moved = pos - self._press
            if self._panning or abs(moved.x()) + abs(moved.y()) >= DRAG_START:
                self._panning = True
                self.pan(moved.x(), moved.y())
                self._press = pos
                return
        cell = self.cell_at(pos)
        if cell != self.hovered:
            self.hovered = cell
            self.update()
        if cell is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(*cell), self)
        else:
            QToolTip.hideText()

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        """The hover highlight and its text leave with the mouse."""
        self.hovered = None
        QToolTip.hideText()
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._panning = event.position(), False

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        panned, self._press, self._panning = self._panning, None, False
        cell = self.cell_at(event.position())
        if cell is not None and not panned:
            self.selected = (self.classes[self.order[cell[0]]], self.classes[self.order[cell[1]]])
            self.update()
            self.cellClicked.emit(*self.selected)

    def mouseDoubleClickEvent(self, _event) -> None:  # noqa: N802 - Qt API
        self.reset_view()

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        steps = event.angleDelta().y() / 120
        if steps and self.order:
            self.zoom_at(event.position(), 1.25 ** steps)
        event.accept()


class ConfusionPanel(QWidget):
    """The matrix with its controls: counts or row-normalised, class order, export."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("confusionPanel")
        self.view = MatrixView()
        self.mode = QComboBox()
        self.mode.addItems(["counts", "row-normalised"])
        self.ordering = QComboBox()
        self.ordering.addItems(list(ORDERS))
        self.numbers = QCheckBox("numbers")
        self.numbers.setChecked(True)
        self.numbers.setToolTip("Write each cell's count (or share) in it where it fits; zoom in (mouse wheel) to read more")
        self.numbers.toggled.connect(self._numbers)
        self.title = title_label()
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        controls = QHBoxLayout()  # a row under the title: title and controls in one row widened the dock
        controls.addWidget(self.mode)
        controls.addWidget(self.numbers)
        controls.addWidget(QLabel("order"))
        controls.addWidget(self.ordering)
        controls.addWidget(export_button(self, "Export the confusion matrix", FIGURE_FILTER, self.export))
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        self.data = None
        self.mode.currentIndexChanged.connect(self._refresh)
        self.ordering.currentIndexChanged.connect(self._refresh)

    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        self.view.placeholder = placeholder or "No analysis yet"
        self._refresh()

    def _numbers(self, on: bool) -> None:
        self.view.show_numbers = on
        self.view.update()

    def set_highlight(self, classes) -> None:
        self.view.highlight = frozenset(classes)
        self.view.update()

    def _refresh(self) -> None:
        d = self.data
        self.view.normalised = self.mode.currentText() == "row-normalised"
        if d is None:
            self.view.set_matrix([], np.zeros((0, 0)), [])
            self.title.setText("")
            return
        order = class_order(d.classes, d.train_counts, d.leaf_order, self.ordering.currentText())
        self.view.set_matrix(d.classes, d.metrics.confusion, order)
        self.title.setText(f"<b>{d.name}</b>")

    def export(self, path: str) -> None:
        export_figure(self.view, path)
