"""Class colours shared by every view, so a class has one colour everywhere."""

from __future__ import annotations

import colorsys

from PySide6.QtGui import QColor


def class_colour(index: int, alpha: int = 255) -> QColor:
    """A distinct colour per class index (golden-ratio hues, two lightness levels)."""
    if index < 0:
        return QColor(128, 128, 128, alpha)
    hue = (index * 0.618033988749895) % 1.0
    light = 0.5 if index % 2 == 0 else 0.65
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.75)
    return QColor(int(r * 255), int(g * 255), int(b * 255), alpha)


CORRECT = QColor(60, 170, 90)
WRONG = QColor(215, 60, 60)
