"""Where a model fails (the paper's Fig. 6): recall against training frequency (bubble area =
training count) and its most frequent confusions. A bubble selects its class's clips, a bar the
clips of that confusion."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from cabinlens.widgets.export import FIGURE_FILTER, export_button, export_figure
from cabinlens.widgets.plots import without_menus, title_label

TOP_CONFUSIONS = 12


class FailurePlots(QWidget):
    classClicked = Signal(str)
    confusionClicked = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("failurePlots")
        self.title = title_label()
        self.recall = without_menus(pg.PlotWidget(background="w"))
        self.recall.setLabel("bottom", "training clips (log)")
        self.recall.setLabel("left", "recall")
        self.recall.setLogMode(x=True, y=False)
        self.bubbles = pg.ScatterPlotItem(pen=pg.mkPen((40, 40, 40)), hoverable=True, tip=self._tip)
        self.recall.addItem(self.bubbles)
        self.confusions = without_menus(pg.PlotWidget(background="w"))
        self.confusions.setLabel("bottom", "clips")
        self.bars: pg.BarGraphItem | None = None
        self.pairs: list[tuple[str, str, int, float]] = []
        self.bubbles.sigClicked.connect(self._bubble_clicked)
        self.confusions.scene().sigMouseClicked.connect(self._bar_clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(export_button(self, "Export the failure plots", FIGURE_FILTER, self.export))
        plots = QHBoxLayout()
        plots.addWidget(self.recall, 1)
        plots.addWidget(self.confusions, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addLayout(plots, 1)
        self.data = None

    def _tip(self, x, y, data):
        c = next((c for c in self.data.metrics.per_class if c.name == data), None) if self.data else None
        return f"{data}: recall {y:.0%}, {c.train_count if c else '?'} training clips, {c.support if c else '?'} here"

    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        self.bubbles.clear()
        if self.bars is not None:
            self.confusions.removeItem(self.bars)
            self.bars = None
        self.pairs = []
        if data is None:
            self.title.setText(placeholder)
            return
        self.title.setText(f"<b>{data.name}</b> · recall vs training frequency · most frequent confusions")
        rows = [c for c in data.metrics.per_class if c.recall is not None and c.train_count > 0]
        counts = np.array([c.train_count for c in rows], dtype=float)
        sizes = 8 + 30 * np.sqrt(counts / counts.max()) if len(rows) else []
        brushes = [pg.mkBrush(230, 140, 30, 170) if c.group == "rare" else pg.mkBrush(70, 110, 200, 170) for c in rows]
        self.bubbles.setData(x=np.log10(counts), y=[c.recall for c in rows], size=sizes, brush=brushes,
                             data=[c.name for c in rows])
        self.pairs = data.metrics.top_confusions(TOP_CONFUSIONS)
        if self.pairs:
            n = len(self.pairs)
            self.bars = pg.BarGraphItem(x0=0, y=np.arange(n)[::-1], height=0.7, width=[p[2] for p in self.pairs],
                                        brush=pg.mkBrush(215, 60, 60, 200))
            self.confusions.addItem(self.bars)
            self.confusions.getAxis("left").setTicks([[(n - 1 - k, f"{t} → {p}") for k, (t, p, _, _) in enumerate(self.pairs)]])
            self.confusions.setYRange(-0.6, n - 0.4, padding=0)

    def _bubble_clicked(self, _item, points, _ev) -> None:
        if len(points):
            self.classClicked.emit(points[0].data())

    def bar_at(self, y: float) -> tuple[str, str] | None:
        k = len(self.pairs) - 1 - int(round(y))
        return (self.pairs[k][0], self.pairs[k][1]) if 0 <= k < len(self.pairs) else None

    def _bar_clicked(self, ev) -> None:
        vb = self.confusions.getPlotItem().getViewBox()
        if vb.sceneBoundingRect().contains(ev.scenePos()) or self.confusions.getAxis("left").sceneBoundingRect().contains(ev.scenePos()):
            pair = self.bar_at(vb.mapSceneToView(ev.scenePos()).y())
            if pair is not None:
                self.confusionClicked.emit(*pair)

    def export(self, path: str) -> None:
        export_figure(self, path)
