"""Guards the pinned Qt binding: drawing plots must not eat the references of True and None.

PySide6 6.12.0 did (a few per redraw), and a long session ended in 'Fatal Python error:
bool_dealloc'. On Python 3.12+ these objects are immortal, on 3.11 they are not.
"""

from __future__ import annotations

import gc
import sys

import numpy as np
import pyqtgraph as pg


def test_redrawing_a_scatter_keeps_the_references_of_true_and_none(qtbot):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    item = pg.ScatterPlotItem(size=7, pen=None, hoverable=True)
    w.addItem(item)
    w.show()
    x = np.linspace(0, 1, 300)
    gc.collect()
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for k in range(20):
        item.setData(x=x, y=np.sin(x * k), brush=[pg.mkBrush(200, 0, 0)] * len(x), pen=[None] * len(x))
        w.grab()
    w.clear()  # crashed outright with PySide6 6.12.0
    gc.collect()
    assert sys.getrefcount(True) - before_true > -10
    assert sys.getrefcount(None) - before_none > -10
