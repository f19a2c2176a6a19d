"""The colour bar beside the player's frame: the colour map's ramp and what its ends mean.

A colour only reads as a value once the normalisation says what full colour is: this clip's own
peak, the model's dataset peak, or the raw value 1. The bar says it on its face (short) and in its
tooltip (the sentence), marks where the shown clip's peak lies when that is not the top, and ticks
the contour levels when the overlay draws iso-lines.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

RAMP_WIDTH = 14
MARGIN = 6


def scale_words(how: str, divisor: float, peak: float) -> tuple[str, str, float | None, str]:
    """(top label, its value line, where the clip's peak sits on the 0..1 bar or None, the tooltip)
    for a map shown under normalisation ``how`` divided by ``divisor``, the clip's peak being ``peak``."""
    if how == "clip":
        return ("clip peak", f"= {divisor:.3g}", None,
                f"Normalised per clip: full colour is this clip's own maximum (Eq. 2 value {divisor:.3g}), 0 is no "
                "evidence for the class. A faint map looks as strong as a clear one.")
    if how == "dataset":
        where = peak / divisor if divisor > 0 else None
        share = f" ({where:.0%} of it)" if where is not None else ""
        return ("dataset peak", f"= {divisor:.3g}", where,
                f"Normalised per dataset: full colour is the model's dataset peak (Eq. 2 value {divisor:.3g}, the 99th "
                f"percentile of its clips' maxima), 0 is no evidence. This clip peaks at {peak:.3g}{share}.")
    return ("1", "raw Eq. 2", peak,
            f"Raw Eq. 2 values: 0 to 1 on the bar, values above 1 saturate. This clip peaks at {peak:.3g}.")


class ColourBar(QWidget):
    """Vertical ramp, 0 at the bottom and full colour at the top, with its labels to the right."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("colourBar")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.ramp: QImage | None = None
        self.top_text = ""
        self.value_text = ""
        self.bottom_text = "0"
        self.peak: float | None = None
        self.levels: tuple[float, ...] = ()
        self.empty = "no\nGrad-CAM"
        self.setToolTip("The colour bar of the Grad-CAM overlay (shown with the overlay)")

    def sizeHint(self):  # noqa: N802 - Qt API
        hint = super().sizeHint()
        hint.setWidth(self.minimumSizeHint().width())
        return hint

    def minimumSizeHint(self):  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        metrics = QFontMetrics(self.font())
        hint.setWidth(RAMP_WIDTH + 3 * MARGIN + metrics.horizontalAdvance("dataset peak"))
        hint.setHeight(4 * metrics.height())
        return hint

    def show_scale(self, ramp: np.ndarray, how: str, divisor: float, peak: float, levels: tuple[float, ...] = ()) -> None:
        """``ramp`` (256, 3) RGB uint8 from value 0 to full colour; the map shown under normalisation
        ``how`` was divided by ``divisor`` and peaks at ``peak`` (both in Eq. 2 units); ``levels``:
        the contour levels drawn (none for a heat map)."""
        column = np.ascontiguousarray(np.asarray(ramp, dtype=np.uint8)[::-1].reshape(256, 1, 3))
        self.ramp = QImage(column.data, 1, 256, 3, QImage.Format.Format_RGB888).copy()
        self.top_text, self.value_text, where, tip = scale_words(how, divisor, peak)
        self.peak = where
        self.levels = tuple(levels)
        if levels:
            tip += " Contour lines at " + ", ".join(f"{v:.0%}" for v in levels) + " of full colour (ticks on the bar)."
        self.setToolTip(tip)
        self.update()

    def clear(self, why: str = "no\nGrad-CAM") -> None:
        """No map on the frame (overlay off, or nothing analysed here): no ramp, ``why`` instead."""
        self.ramp, self.peak, self.levels = None, None, ()
        self.top_text = self.value_text = ""
        self.empty = why
        self.setToolTip("No Grad-CAM on this frame: " + why.replace("\n", " "))
        self.update()

    def text(self) -> str:
        """What the bar says, top to bottom (for tests and accessibility)."""
        if self.ramp is None:
            return self.empty.replace("\n", " ")
        return f"{self.top_text} {self.value_text} … {self.bottom_text}"

    def _ramp_rect(self) -> QRectF:
        line = QFontMetrics(self.font()).height()
        return QRectF(MARGIN, line / 2 + 2, RAMP_WIDTH, max(8.0, self.height() - line - 4))

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        text_colour = self.palette().windowText().color()
        painter.setPen(text_colour)
        if self.ramp is None:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty)
            return
        bar = self._ramp_rect()
        painter.drawImage(bar, self.ramp, QRectF(0, 0, 1, 256))
        painter.setPen(QPen(text_colour, 1))
        painter.drawRect(bar.adjusted(-0.5, -0.5, 0.5, 0.5))
        metrics = QFontMetrics(self.font())
        x = bar.right() + MARGIN
        ascent = metrics.ascent()
        painter.drawText(QPointF(x, bar.top() + ascent / 2), self.top_text)
        painter.setPen(self.palette().placeholderText().color())
        painter.drawText(QPointF(x, bar.top() + ascent / 2 + metrics.height()), self.value_text)
        painter.setPen(text_colour)
        painter.drawText(QPointF(x, bar.bottom() + ascent / 2), self.bottom_text)
        for level in self.levels:  # contour levels: ticks across the ramp
            y = bar.bottom() - level * bar.height()
            painter.drawLine(QPointF(bar.left() - 3, y), QPointF(bar.right() + 3, y))
        if self.peak is not None:  # where this clip's peak lies (saturated: at the top)
            y = bar.bottom() - min(max(self.peak, 0.0), 1.0) * bar.height()
            painter.setBrush(text_colour)
            painter.drawPolygon(QPolygonF([QPointF(bar.right() + 1, y), QPointF(bar.right() + 6, y - 4),
                                           QPointF(bar.right() + 6, y + 4)]))
            lowest = bar.top() + ascent / 2 + 2 * metrics.height()
            if lowest + ascent / 2 < y < bar.bottom() - metrics.height():
                painter.drawText(QPointF(x + 4, y + ascent / 2 - 1), "this clip")
        painter.end()

    def colour_at(self, share: float) -> QColor:
        """The ramp's colour at ``share`` of full colour (0..1), as painted (for tests)."""
        bar = self._ramp_rect()
        return self.grab().toImage().pixelColor(int(bar.center().x()), int(round(bar.bottom() - share * (bar.height() - 1))))
