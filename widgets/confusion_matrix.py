"""The confusion matrix: counts or row-normalised, 34 readable labels, hover numbers, cell clicks.

Drawn with QPainter (rotated column labels, exact cell hit-testing); a click on a cell emits its
(true, predicted) classes, which the window turns into the selection of that cell's clips.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from cabinlens.widgets.export import FIGURE_FILTER, export_button, export_figure
from cabinlens.widgets.plots import title_label

ORDERS = ("alphabetical", "training frequency", "dendrogram")


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
        self.setMinimumSize(420, 420)
        self.classes: list[str] = []
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.order: list[int] = []
        self.normalised = False
        self.highlight: frozenset[str] = frozenset()
        self.placeholder = "No analysis yet"
        self.margin = 170

    def set_matrix(self, classes, counts: np.ndarray, order: list[int]) -> None:
        self.classes, self.counts, self.order = list(classes), np.asarray(counts), list(order)
        self.update()

    def _cell(self) -> float:
        n = max(1, len(self.order))
        return max(4.0, min((self.width() - self.margin - 8) / n, (self.height() - self.margin - 8) / n))

    def values(self) -> np.ndarray:
        m = self.counts[np.ix_(self.order, self.order)].astype(float)
        if self.normalised:
            rows = m.sum(1, keepdims=True)
            m = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
        return m

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(row, column) in display order under ``pos``, or None."""
        c = self._cell()
        col, row = (pos.x() - self.margin) / c, (pos.y() - self.margin) / c
        n = len(self.order)
        if 0 <= row < n and 0 <= col < n:
            return int(row), int(col)
        return None

    def cell_centre(self, true: str, predicted: str) -> QPointF:
        c = self._cell()
        names = [self.classes[i] for i in self.order]
        return QPointF(self.margin + (names.index(predicted) + 0.5) * c, self.margin + (names.index(true) + 0.5) * c)

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
        c = self._cell()
        values = self.values()
        top = values.max() or 1.0
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(9.0, c * 0.6)))
        p.setFont(font)
        names = [self.classes[i] for i in self.order]
        for r in range(len(names)):
            for k in range(len(names)):
                v = values[r, k] / top
                colour = QColor.fromHsvF(0.6, min(1.0, 0.15 + 0.85 * v), 1.0 - 0.55 * v) if v > 0 else QColor(246, 246, 246)
                if r != k and values[r, k] > 0:
                    colour = QColor.fromHsvF(0.02, min(1.0, 0.25 + 0.75 * v), 1.0 - 0.3 * v)
                rect = QRectF(self.margin + k * c, self.margin + r * c, c - 1, c - 1)
                p.fillRect(rect, colour)
                if c >= 14 and values[r, k] > 0:
                    p.setPen(QColor(255, 255, 255) if v > 0.5 else QColor(30, 30, 30))
                    text = f"{values[r, k]:.2f}".lstrip("0") if self.normalised else str(int(values[r, k]))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        for k, name in enumerate(names):
            dim = self.highlight and name not in self.highlight
            p.setPen(QColor(170, 170, 170) if dim else QColor(20, 20, 20))
            p.drawText(QRectF(0, self.margin + k * c, self.margin - 4, c), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            p.save()
            p.translate(self.margin + k * c, self.margin - 4)
            p.rotate(-90)
            p.drawText(QRectF(0, 0, self.margin - 8, c), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
            p.restore()
        p.setPen(QPen(QColor(60, 60, 60)))
        p.drawText(QRectF(0, 0, self.margin, self.margin - 8), Qt.AlignmentFlag.AlignCenter,
                   "rows: ground truth\ncolumns: prediction")

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(*cell), self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cellClicked.emit(self.classes[self.order[cell[0]]], self.classes[self.order[cell[1]]])


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
        self.title = title_label()
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.mode)
        bar.addWidget(QLabel("order"))
        bar.addWidget(self.ordering)
        bar.addWidget(export_button(self, "Export the confusion matrix", FIGURE_FILTER, self.export))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.data = None
        self.mode.currentIndexChanged.connect(self._refresh)
        self.ordering.currentIndexChanged.connect(self._refresh)

    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        self.view.placeholder = placeholder or "No analysis yet"
        self._refresh()

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
