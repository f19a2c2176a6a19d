"""Class colours shared by every view, so a class has one colour everywhere (``engine.palette``)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from cabinlens.engine import palette


def class_colour(index: int, alpha: int = 255) -> QColor:
    """A distinct colour per class index (golden-ratio hues, two lightness levels)."""
    return QColor(*palette.class_rgb(index), alpha)


CORRECT = QColor(*palette.CORRECT)
WRONG = QColor(*palette.WRONG)
