"""pyqtgraph plots without parentless, Python-owned menus.

Why: pyqtgraph creates each plot's context menus (QMenu) without a Qt parent. Under PySide6 the
garbage collector may then delete such a menu in the middle of Qt destroying the window, which
deadlocked the process (QObject destructor waiting on a lock its own cascade held). Our plots need
no context menu: the view box menu is switched off, and the plot-options menu is given a Qt
parent so Qt deletes it with the plot.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QSizePolicy


def without_menus(plot: pg.PlotWidget) -> pg.PlotWidget:
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    if item.ctrlMenu is not None:
        item.ctrlMenu.setParent(plot, item.ctrlMenu.windowFlags())
    return plot


class TitleLabel(QLabel):
    """A panel's one-line title: clipped rather than widening its dock (a long run name would
    otherwise set the dock's minimum width and squeeze the rest of the window); the whole text is
    in the tooltip."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(text)
        self.setToolTip(text)


def title_label() -> QLabel:
    return TitleLabel()
