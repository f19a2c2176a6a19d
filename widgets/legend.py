"""A compact legend row for a panel's colour coding: swatches, circles of a size, or lines, wrapped
over as many rows as the width needs. A QWidget under the plot rather than a legend inside it, so it
never hides points or bubbles."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GAP = 12  # pixels between entries
PAD = 4  # pixels between a mark and its text


@dataclass(frozen=True)
class Entry:
    """One mark and its text: ``shape`` is "box" (a colour), "circle" (of ``size`` pixels) or "line"."""

    text: str
    colour: QColor
    shape: str = "box"
    size: int = 10


class Legend(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def set_entries(self, entries: list[Entry]) -> None:
        self.entries = list(entries)
        self.setToolTip("\n".join(e.text for e in self.entries))
        self.updateGeometry()
        self.update()

    def texts(self) -> list[str]:
        return [e.text for e in self.entries]

    # ------------------------------------------------------------------ layout
    def _mark_width(self, e: Entry) -> int:
        return max(e.size, 10) if e.shape == "circle" else 18 if e.shape == "line" else 10

    def _row_height(self) -> int:
        big = max([e.size for e in self.entries if e.shape == "circle"], default=0)
        return max(QFontMetrics(self.font()).height(), big) + 2

    def _places(self, width: int) -> list[tuple[Entry, int, int]]:
        """(entry, x, row) of every entry, wrapped at ``width``."""
        fm = QFontMetrics(self.font())
        x, row, out = 0, 0, []
        for e in self.entries:
            w = self._mark_width(e) + PAD + fm.horizontalAdvance(e.text)
            if x and x + w > width:
                x, row = 0, row + 1
            out.append((e, x, row))
            x += w + GAP
        return out

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        if not self.entries:
            return 0
        rows = 1 + max(row for _, _, row in self._places(max(1, width)))
        return rows * self._row_height()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(200, self.heightForWidth(max(200, self.width())))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(50, self.heightForWidth(max(50, self.width())))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.height() != self.heightForWidth(self.width()):
            self.updateGeometry()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self._row_height()
        fm = QFontMetrics(self.font())
        for e, x, row in self._places(self.width()):
            y = row * h
            mark = self._mark_width(e)
            if e.shape == "circle":
                d = e.size
                p.setPen(QPen(QColor(40, 40, 40)))
                p.setBrush(e.colour)
                p.drawEllipse(QRectF(x + (mark - d) / 2, y + (h - d) / 2, d, d))
            elif e.shape == "line":
                p.setPen(QPen(e.colour, 2))
                p.drawLine(x, y + h // 2, x + mark, y + h // 2)
            else:
                p.fillRect(QRectF(x, y + (h - 10) / 2, 10, 10), e.colour)
            p.setPen(self.palette().windowText().color())
            p.drawText(QRectF(x + mark + PAD, y, fm.horizontalAdvance(e.text) + 1, h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, e.text)
