"""pyqtgraph plots without parentless, Python-owned menus.

Why: pyqtgraph creates each plot's context menus (QMenu) without a Qt parent. Under PySide6 the
garbage collector may then delete such a menu in the middle of Qt destroying the window, which
deadlocked the process (QObject destructor waiting on a lock its own cascade held). Our plots need
no context menu: the view box menu is switched off, and the plot-options menu is given a Qt
parent so Qt deletes it with the plot.
"""

from __future__ import annotations

import pyqtgraph as pg


def without_menus(plot: pg.PlotWidget) -> pg.PlotWidget:
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    if item.ctrlMenu is not None:
        item.ctrlMenu.setParent(plot, item.ctrlMenu.windowFlags())
    return plot
