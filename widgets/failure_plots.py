"""Where a model fails (the paper's Fig. 6): recall against training frequency (bubble area =
training count) and its most frequent confusions. A bubble selects its class's clips, a bar the
clips of that confusion.

The plots are stacked, so each has the panel's width: the training-count axis is labelled at
1-2-5 steps chosen to fit (pyqtgraph's own log ticks overlap in a narrow dock), and each bar names
its confusion inside the plot instead of on a left axis as wide as the longest pair. A legend says
what the colours and the bubble sizes mean."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from cabinlens.widgets.export import FIGURE_FILTER, export_button, export_figure
from cabinlens.widgets.legend import Entry, Legend
from cabinlens.widgets.plots import without_menus, title_label

TOP_CONFUSIONS = 12
RARE, COMMON = QColor(230, 140, 30, 170), QColor(70, 110, 200, 170)
BAR = QColor(240, 150, 150)
SMALLEST, LARGEST = 8, 38  # bubble diameters in pixels


def bubble_size(count: float, most: float) -> float:
    """Diameter of a class's bubble: its area grows with its training count."""
    return SMALLEST + (LARGEST - SMALLEST) * float(np.sqrt(count / most))


def log_ticks(lo: float, hi: float, most: int = 6) -> list[tuple[float, str]]:
    """Labels for a log10 axis from 10**lo to 10**hi: 1-2-5 steps, thinned to powers of ten when
    there would be more than ``most`` (so they never run into each other)."""
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    for steps in ((1, 2, 5), (1, 3), (1,)):
        ticks = [(np.log10(m * 10.0 ** e), f"{m * 10.0 ** e:g}")
                 for e in range(first, last + 1) for m in steps if lo - 1e-9 <= np.log10(m * 10.0 ** e) <= hi + 1e-9]
        if len(ticks) <= most:
            return ticks
    return ticks[:: int(np.ceil(len(ticks) / most))]


class FailurePlots(QWidget):
    classClicked = Signal(str)
    confusionClicked = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("failurePlots")
        self.title = title_label()
        self.recall = without_menus(pg.PlotWidget(background="w"))
        self.recall.setLabel("bottom", "training clips (log scale)")
        self.recall.setLabel("left", "recall")
        self.recall.getViewBox().sigXRangeChanged.connect(self._ticks)
        self.recall.getViewBox().sigResized.connect(self._recall_range)
        self.bubbles = pg.ScatterPlotItem(pen=pg.mkPen((40, 40, 40)), hoverable=True, tip=self._tip)
        self.recall.addItem(self.bubbles)
        self.confusions = without_menus(pg.PlotWidget(background="w"))
        self.confusions.setLabel("bottom", "clips")
        self.confusions.hideAxis("left")
        self.bars: pg.BarGraphItem | None = None
        self.bar_labels: list[pg.TextItem] = []
        self.legend = Legend()
        self.pairs: list[tuple[str, str, int, float]] = []
        self.bubbles.sigClicked.connect(self._bubble_clicked)
        self.confusions.scene().sigMouseClicked.connect(self._bar_clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(export_button(self, "Export the failure plots", FIGURE_FILTER, self.export))
        plots = QVBoxLayout()
        plots.addWidget(self.recall, 1)
        plots.addWidget(self.legend)
        plots.addWidget(self.confusions, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addLayout(plots, 1)
        self.data = None

    def _recall_range(self) -> None:
        """Recall 0..1 with room for half the largest bubble above and below, in pixels of the plot as it
        is now: a fixed margin in recall units cut the top bubbles off in a short panel."""
        height = self.recall.getViewBox().height()
        radius = LARGEST / 2 + 2
        share = min(0.35, radius / height) if height > 0 else 0.1
        pad = share / (1 - 2 * share)
        self.recall.setYRange(-pad, 1 + pad, padding=0)

    def _tip(self, x, y, data):
        c = next((c for c in self.data.metrics.per_class if c.name == data), None) if self.data else None
        return f"{data}: recall {y:.0%}, {c.train_count if c else '?'} training clips, {c.support if c else '?'} here"

    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        self.bubbles.clear()
        if self.bars is not None:
            self.confusions.removeItem(self.bars)
            self.bars = None
        for label in self.bar_labels:
            self.confusions.removeItem(label)
        self.bar_labels = []
        self.pairs = []
        if data is None:
            self.title.setText(placeholder)
            self.legend.set_entries([])
            return
        self.title.setText(f"<b>{data.name}</b> · recall vs training frequency · most frequent confusions")
        rows = [c for c in data.metrics.per_class if c.recall is not None and c.train_count > 0]
        counts = np.array([c.train_count for c in rows], dtype=float)
        most = counts.max() if len(rows) else 1.0
        sizes = [bubble_size(n, most) for n in counts]
        brushes = [pg.mkBrush(RARE) if c.group == "rare" else pg.mkBrush(COMMON) for c in rows]
        self.bubbles.setData(x=np.log10(counts), y=[c.recall for c in rows], size=sizes, brush=brushes,
                             data=[c.name for c in rows])
        self._recall_range()
        if len(rows):
            lo, hi = float(np.log10(counts.min())), float(np.log10(counts.max()))
            self.recall.setXRange(lo - 0.15, hi + 0.15, padding=0)
        self._ticks()
        self.legend.set_entries(self.legend_entries(int(counts.min()) if len(rows) else 0, int(most)))
        self.pairs = data.metrics.top_confusions(TOP_CONFUSIONS)
        if self.pairs:
            n = len(self.pairs)
            self.bars = pg.BarGraphItem(x0=0, y=np.arange(n)[::-1], height=0.8, width=[p[2] for p in self.pairs],
                                        brush=pg.mkBrush(BAR), pen=pg.mkPen(200, 80, 80))
            self.confusions.addItem(self.bars)
            for k, (t, p, count, _) in enumerate(self.pairs):
                label = pg.TextItem(f"{t} → {p}  ({count})", color=(20, 20, 20), anchor=(0, 0.5))
                label.setPos(0, n - 1 - k)
                self.confusions.addItem(label)
                self.bar_labels.append(label)
            self.confusions.setYRange(-0.6, n - 0.4, padding=0)
            self.confusions.setXRange(0, max(p[2] for p in self.pairs), padding=0.02)

    def legend_entries(self, fewest: int, most: int) -> list[Entry]:
        """Colours (class group) and two bubble sizes with the training counts they stand for."""
        entries = [Entry("common class", COMMON, "circle", 12), Entry("rare class", RARE, "circle", 12)]
        if most:
            entries += [Entry(f"{fewest} training clips", QColor(200, 200, 200), "circle", round(bubble_size(fewest, most))),
                        Entry(f"{most} training clips", QColor(200, 200, 200), "circle", round(bubble_size(most, most)))]
        return entries

    def _ticks(self, *_args) -> None:
        lo, hi = self.recall.getViewBox().viewRange()[0]
        axis = self.recall.getAxis("bottom")
        width = max(60, axis.width() or self.recall.width())
        axis.setTicks([log_ticks(lo, hi, most=max(2, int(width // 45))), []])

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
