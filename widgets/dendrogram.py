"""Ward clustering of the class centroids (the paper's Fig. 5), drawn sideways so 34 names read.

Clusters below 70% of the largest merge distance are coloured (SciPy's default); a legend under
the tree names each colour's cluster and says what grey means. A click on a class name or on a
merge filters the other panels to that class or to every class under the merge; a click on empty
space clears the filter.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget
from scipy.cluster.hierarchy import dendrogram

from cabinlens.widgets.export import FIGURE_FILTER, export_button, export_figure
from cabinlens.widgets.legend import Entry, Legend
from cabinlens.widgets.plots import without_menus, title_label

UNCLUSTERED = (120, 120, 120)  # merges above the colour threshold
CLUSTER_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                   (140, 86, 75), (227, 119, 194), (188, 189, 34), (23, 190, 207)]


def _members(z: np.ndarray, n: int) -> list[list[int]]:
    """Leaves (centroid indices) under each linkage row."""
    members: list[list[int]] = []
    for a, b, *_ in z:
        members.append([*(members[int(a) - n] if a >= n else [int(a)]), *(members[int(b) - n] if b >= n else [int(b)])])
    return members


def _members_text(members: frozenset[str]) -> str:
    """A cluster in a few words: its size, and its class when it has one."""
    return next(iter(members)) if len(members) == 1 else f"{len(members)} classes"


class Dendrogram(QWidget):
    filterChosen = Signal(object)  # frozenset of class names (empty: no filter)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("dendrogram")
        self.title = title_label()
        self.plot = without_menus(pg.PlotWidget(background="w"))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.getPlotItem().hideButtons()
        self.plot.setLabel("bottom", "Ward distance")
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(export_button(self, "Export the dendrogram", FIGURE_FILTER, self.export))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        self.legend = Legend()
        layout.addWidget(self.legend)
        self.links: list[tuple[np.ndarray, np.ndarray, frozenset[str]]] = []
        self.leaves: list[str] = []
        self.clusters: list[frozenset[str]] = []

    def set_data(self, data, placeholder: str = "") -> None:
        self.plot.clear()
        self.links, self.leaves, self.clusters = [], [], []
        if data is None or len(data.linkage) == 0:
            self.title.setText(placeholder)
            self.legend.set_entries([])
            return
        z, names = data.linkage, data.linkage_names
        tree = dendrogram(z, labels=names, no_plot=True)
        members = _members(z, len(names))
        heights = z[:, 2]
        self.leaves = list(tree["ivl"])
        colour_of: dict[str, tuple] = {}
        by_colour: dict[str, set[str]] = {}
        for xs, ys, colour in zip(tree["icoord"], tree["dcoord"], tree["color_list"], strict=True):
            row = int(np.argmin(np.abs(heights - ys[1])))
            classes = frozenset(names[k] for k in members[row])
            self.links.append((np.array(ys), np.array(xs), classes))
            if colour not in colour_of:
                colour_of[colour] = UNCLUSTERED if colour == "C0" else CLUSTER_COLOURS[len(colour_of) % len(CLUSTER_COLOURS)]
            if colour != "C0":
                by_colour.setdefault(colour, set()).update(classes)
            self.plot.plot(ys, xs, pen=pg.mkPen(colour_of[colour], width=2))
        self.clusters = [frozenset(c) for c in by_colour.values()]
        self._legend([colour_of[c] for c in by_colour], "C0" in colour_of)
        axis = self.plot.getAxis("left")
        axis.setTicks([[(5 + 10 * k, name) for k, name in enumerate(self.leaves)]])
        self.plot.setYRange(0, 10 * len(self.leaves), padding=0.01)
        self.title.setText(f"<b>{data.name}</b> · Ward clustering of class centroids · {len(self.clusters)} clusters"
                           " · click a class or a merge to filter")

    def _legend(self, colours: list[tuple], grey: bool) -> None:
        """One entry per coloured cluster, in the order of the tree (top to bottom), and grey if drawn."""
        order = {name: k for k, name in enumerate(self.leaves)}
        ranked = sorted(zip(self.clusters, colours, strict=True), key=lambda c: min(order[n] for n in c[0]))
        entries = [Entry(f"cluster {k + 1} · {_members_text(members)}", QColor(*colour), "line")
                   for k, (members, colour) in enumerate(ranked)]
        if grey:
            entries.append(Entry("merges above 70% of the largest distance", QColor(*UNCLUSTERED), "line"))
        self.legend.set_entries(entries)
        self.legend.setToolTip("\n".join(f"cluster {k + 1}: " + ", ".join(sorted(m, key=order.get))
                                          for k, (m, _) in enumerate(ranked)))

    def link_at(self, x: float, y: float) -> frozenset[str]:
        """The classes under the merge nearest (x = distance, y = leaf axis); a class near its name."""
        if not self.links:
            return frozenset()
        span = max(float(max(d.max() for d, _, _ in self.links)), 1e-9)
        if x < 0.03 * span:
            k = int(round((y - 5) / 10))
            return frozenset([self.leaves[k]]) if 0 <= k < len(self.leaves) else frozenset()
        best, best_d = frozenset(), float("inf")
        for d, i, classes in self.links:
            lo, hi = min(i[1], i[2]), max(i[1], i[2])
            dy = 0.0 if lo <= y <= hi else min(abs(y - lo), abs(y - hi))
            dist = abs(x - d[1]) / span * 10 * len(self.leaves) + dy
            if dist < best_d:
                best, best_d = classes, dist
        return best if best_d < 8 else frozenset()

    def _clicked(self, ev) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        pos = ev.scenePos()
        if self.plot.getAxis("left").sceneBoundingRect().contains(pos):  # a click on a class name
            y = vb.mapSceneToView(pos).y()
            k = int(round((y - 5) / 10))
            self.filterChosen.emit(frozenset([self.leaves[k]]) if 0 <= k < len(self.leaves) else frozenset())
            return
        if vb.sceneBoundingRect().contains(pos):
            p = vb.mapSceneToView(pos)
            self.filterChosen.emit(self.link_at(p.x(), p.y()))

    def export(self, path: str) -> None:
        export_figure(self.plot, path)
