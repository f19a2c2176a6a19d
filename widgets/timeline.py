"""The session timeline (pyqtgraph): ground truth, a prediction track per run, correct/wrong,
confidence, and the playhead. Click or drag to scrub; the mouse wheel zooms, dragging pans.

Rows from the top: ground truth, then each run's predictions, then correct/wrong and confidence
of the run whose Grad-CAM is shown. Segment edges sit on frame boundaries: a segment
``[start, end)`` covers x from ``start`` to ``end``, and frame f is drawn at x = f.

Zoomed in far enough, segments carry their class names (only where the name fits the segment);
a legend under the axis names the colours of the visible classes and of the right/wrong and
confidence rows. The hover text leaves with the mouse and with the session.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsItem

from cabinlens.engine.analysis.session import SessionTracks
from cabinlens.widgets.palette import CORRECT, WRONG, class_colour
from cabinlens.widgets.timeline_rows import STRIP_ABOVE, rgba_of, runs, strip
from cabinlens.widgets.plots import without_menus

MAX_NAMES = 150  # class names drawn at once (beyond that the segments are too small to carry one anyway)
LEGEND_CLASSES = 4  # visible classes named in the legend; the rest as "+N more"
LEGEND_MIN_HEIGHT = 240  # px of timeline below which the legend would squeeze the tracks


def cached(item: QGraphicsItem) -> QGraphicsItem:
    """Keep the item's painting as a picture on screen, redrawn only when the view's range changes.

    The playhead moves on every frame and Qt repaints what lies under it: without the cache each
    track replays all its segments (an hour's sweep is thousands) to draw a 2-pixel strip. Measured
    on a 10-minute 1280x1024 session's tracks (2,298 segments): a playhead step cost 31 ms
    offscreen and 5.9 ms on Xvfb before, 2.6 and 3.9 ms with the cache.
    """
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return item


class Timeline(pg.PlotWidget):
    """Emits ``frameChosen`` on a click or drag; ``follow`` moves the playhead, ``set_current_track``
    chooses the run whose correct/wrong and confidence rows are drawn."""

    frameChosen = Signal(int)

    def __init__(self) -> None:
        super().__init__(background="#1e1e1e")
        without_menus(self)
        self.current_track = -1  # run id
        self.tracks: SessionTracks | None = None
        self.rows: list[tuple[str, object]] = []  # (label, what) from top to bottom
        self.setMouseEnabled(x=True, y=False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.showGrid(x=True, y=False, alpha=0.2)
        self.getPlotItem().setLabel("bottom", "frame")
        self.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)  # frames, never "x0.001"
        self.getPlotItem().getAxis("left").setTicks([[]])
        self.setXRange(0, 100, padding=0)
        self.setYRange(-0.5, 0.5, padding=0)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=True, pen=pg.mkPen("#ffd400", width=2),
                                        hoverPen=pg.mkPen("#ffffff", width=3))
        self.addItem(self.playhead)
        self.playhead.sigPositionChanged.connect(self._dragged)
        self.hover = pg.TextItem("", color="w", anchor=(0, 1), fill=pg.mkBrush(0, 0, 0, 180))
        self.hover.setZValue(20)
        self.addItem(self.hover)
        self.hover.hide()
        self.scene().sigMouseClicked.connect(self._clicked)
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=30, slot=self._moved)
        self._items: list = []
        self.names: list[pg.TextItem] = []
        self.name_font = QFont(self.font())
        self.name_font.setPointSizeF(8)
        self.runs: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, list[str]]] = []  # (row y, starts, ends, class keys, names)
        self.strips: list[tuple[pg.ImageItem, float, float, np.ndarray, np.ndarray, np.ndarray, tuple | None]] = []
        self.legend = pg.LegendItem(labelTextColor="w", colCount=6, horSpacing=12)
        self._legend_shown = False
        self._place_legend()
        self.getViewBox().sigXRangeChanged.connect(self._visible_changed)
        self.setMinimumHeight(150)

    # ------------------------------------------------------------------ content
    def set_tracks(self, tracks: SessionTracks | None, frame_count: int | None = None) -> None:
        for item in self._items:
            self.removeItem(item)
        self._items = []
        self.runs = []
        self.strips = []
        fresh = tracks is None or self.tracks is None or self.tracks.file_id != tracks.file_id
        if fresh:
            self.hover.hide()  # a hover text belongs to the session it described
        self.tracks = tracks
        self.rows = []
        if tracks is None:
            self._visible_changed()
            return
        self.rows.append(("ground truth", "gt"))
        for t in tracks.tracks:
            self.rows.append((f"{t.shown} ({t.kind})", t))
        current = next((t for t in tracks.tracks if t.run_id == self.current_track), None)
        if current is not None:
            self.rows += [("correct / wrong", ("correct", current)), ("confidence", ("confidence", current))]
        n = len(self.rows)
        y = {k: n - 1 - k for k in range(n)}  # top row has the highest y
        for k, (_, what) in enumerate(self.rows):
            if what == "gt":
                gt = tracks.ground_truth
                names = sorted({g[2] for g in gt})
                classes = current.classes if current is not None else tuple(names)
                starts, ends = np.array([g[0] for g in gt], float), np.array([g[1] for g in gt], float)
                keys = np.array([classes.index(g[2]) if g[2] in classes else -1 for g in gt], int)
                self._row(y[k], starts, ends, keys, lambda key: class_colour(int(key)))
                table = sorted({g[2] for g in gt})
                self.runs.append((y[k], starts, ends, np.array([table.index(g[2]) for g in gt], int), table))
            elif isinstance(what, tuple) and what[0] == "correct":
                t = what[1]
                ok = (t.predicted >= 0) & (t.labels >= 0)
                right = (t.predicted[ok] == t.labels[ok]).astype(int)
                self._row(y[k], t.starts[ok], t.ends[ok], right, lambda key: CORRECT if key else WRONG, thin=True,
                          alarm=0)
            elif isinstance(what, tuple) and what[0] == "confidence":
                t = what[1]
                ok = t.predicted >= 0
                curve = pg.PlotDataItem(t.centres[ok], y[k] - 0.4 + 0.8 * t.confidence[ok], pen=pg.mkPen("#8fd3ff", width=1.5))
                cached(curve.curve)
                self.addItem(curve)
                curve.setDownsampling(auto=True, method="peak")  # an hour's sweep: a point per pixel, not per window
                curve.setClipToView(True)
                self._items.append(curve)
            else:
                t = what
                ok = t.predicted >= 0
                self._row(y[k], t.starts[ok], t.ends[ok], t.predicted[ok], lambda key: class_colour(int(key), 230),
                          thin=t.kind == "sweep")  # a split's chunks keep their outlines; a sweep's windows merge
                starts, ends, keys = runs(t.starts[ok], t.ends[ok], t.predicted[ok])
                self.runs.append((y[k], starts, ends, keys.astype(int), list(t.classes)))
        axis = self.getPlotItem().getAxis("left")
        axis.setTicks([[(y[k], label) for k, (label, _) in enumerate(self.rows)]])
        end = frame_count or max([g[1] for g in tracks.ground_truth] + [int(t.ends.max()) for t in tracks.tracks if len(t.ends)] + [1])
        self.setLimits(xMin=0, xMax=end, yMin=-0.6, yMax=n - 0.4, minXRange=30)
        self.setYRange(-0.6, n - 0.4, padding=0)
        if fresh:  # a new session: show all of it; later updates (a sweep filling in) keep the user's zoom
            self.setXRange(0, end, padding=0)
        self._visible_changed()

    # ------------------------------------------------------------------ names and legend
    def _visible_changed(self, *_args) -> None:
        for row in self.strips:
            self._draw_strip(row)
        self._names()
        self._legend()

    def _names(self) -> None:
        """Class names on the segments wide enough, on screen, to hold them."""
        for item in self.names:
            self.removeItem(item)
        self.names = []
        lo, hi = self.getViewBox().viewRange()[0]
        width = self.getViewBox().width()
        if hi <= lo or width <= 0:
            return
        per_frame = width / (hi - lo)
        fm = QFontMetrics(self.name_font)
        shortest = fm.horizontalAdvance("abcd") + 6  # no class name is narrower: skip the rest unmeasured
        widths: dict[str, int] = {}
        for y, starts, ends, keys, table in self.runs:
            a, b = np.maximum(starts, lo), np.minimum(ends, hi)
            for j in np.flatnonzero((b - a) * per_frame >= shortest):
                if len(self.names) >= MAX_NAMES:
                    return
                name = table[keys[j]]
                if (b[j] - a[j]) * per_frame < widths.setdefault(name, fm.horizontalAdvance(name) + 6):
                    continue
                label = pg.TextItem(name, color=(0, 0, 0), anchor=(0.5, 0.5))
                label.setFont(self.name_font)
                label.setPos((a[j] + b[j]) / 2, y)
                label.setZValue(10)
                self.addItem(label, ignoreBounds=True)
                self.names.append(label)

    def visible_classes(self) -> list[str]:
        """The classes of the segments in view, in order of first appearance from the top row."""
        lo, hi = self.getViewBox().viewRange()[0]
        seen: dict[str, None] = {}
        for _, starts, ends, keys, table in self.runs:
            shown = keys[(ends > lo) & (starts < hi)]
            if shown.size:
                unique, first = np.unique(shown, return_index=True)
                for key in unique[np.argsort(first)]:
                    seen.setdefault(table[key], None)
        return list(seen)

    def _legend(self) -> None:
        """One row under the axis (two would squeeze the tracks of a short timeline): the right/wrong and
        confidence colours, then the first visible classes (the rest named on the segments when zoomed in).
        Rebuilt only when what it lists changes: a zoom or a pan usually keeps it."""
        if self.tracks is None:
            self.legend.clear()
            self._legend_lists = None
            return
        current = next((t for t in self.tracks.tracks if t.run_id == self.current_track), None)
        classes = current.classes if current is not None else tuple(sorted({g[2] for g in self.tracks.ground_truth}))
        visible = self.visible_classes()
        lists = (current is not None, classes, tuple(visible[:LEGEND_CLASSES]), len(visible))
        if lists == getattr(self, "_legend_lists", None):
            return
        self._legend_lists = lists
        self.legend.clear()
        if current is not None:
            self.legend.addItem(pg.BarGraphItem(x=[0], height=[1], width=1, brush=CORRECT), "correct")
            self.legend.addItem(pg.BarGraphItem(x=[0], height=[1], width=1, brush=WRONG), "wrong")
            self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen("#8fd3ff", width=1.5)), "confidence 0-100%")
        for name in visible[:LEGEND_CLASSES]:
            index = classes.index(name) if name in classes else -1
            self.legend.addItem(pg.BarGraphItem(x=[0], height=[1], width=1, brush=class_colour(index)), name)
        if len(visible) > LEGEND_CLASSES:
            self.legend.addItem(pg.PlotDataItem(pen=None), f"+{len(visible) - LEGEND_CLASSES} more (zoom in)")
        self.legend.setColumnCount(max(1, len(self.legend.items)))

    def _place_legend(self) -> None:
        """The legend only where it leaves the tracks room: a short timeline (a 1280x800 window) keeps its
        rows readable, and its hover text names the classes."""
        want = self.height() >= LEGEND_MIN_HEIGHT
        if want == self._legend_shown:
            return
        layout = self.getPlotItem().layout
        if want:
            layout.addItem(self.legend, 4, 1)
            self.legend.show()
        else:
            layout.removeItem(self.legend)
            self.legend.hide()
        self._legend_shown = want

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if "_legend_shown" in self.__dict__ and self.plotItem is not None:  # not while pyqtgraph builds or closes it
            self._place_legend()
            for row in self.strips:  # as many pixels as the new width
                self._draw_strip(row)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        """The hover text leaves with the mouse."""
        self.hover.hide()
        super().leaveEvent(event)

    def _row(self, y: float, starts, ends, keys, colour_of, thin: bool = False, alarm: int | None = None) -> None:
        """One row of segments coloured by key: bars, or a strip of pixels for a thin row with many runs.

        ``alarm``: the key whose runs stay visible in a strip even when shorter than a pixel.
        """
        starts, ends, keys = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float), np.asarray(keys)
        if starts.size == 0:
            return
        if thin:  # no outlines: touching bars of one colour look the same as one bar, and paint faster
            starts, ends, keys = runs(starts, ends, keys)
        height = 0.5 if thin else 0.8
        palette = {int(key): colour_of(key) for key in np.unique(keys)}  # one colour and brush per key
        if thin and starts.size > STRIP_ABOVE:
            order = np.array(sorted(palette))
            rgba = rgba_of([palette[int(key)] for key in order])[np.searchsorted(order, keys.astype(int))]
            item = pg.ImageItem(axisOrder="row-major")
            self.addItem(item)
            self._items.append(item)
            alarm_rgba = tuple(rgba_of([palette[alarm]])[0]) if alarm is not None and alarm in palette else None
            self.strips.append((item, y, height, starts, ends, rgba, alarm_rgba))
            self._draw_strip(self.strips[-1])
            return
        brushes = {key: pg.mkBrush(colour) for key, colour in palette.items()}
        pen = pg.mkPen(None) if thin else pg.mkPen(QColor(0, 0, 0, 90))
        item = pg.BarGraphItem(x0=starts, x1=ends, y0=np.full(starts.size, y - height / 2), height=height,
                               brushes=[brushes[int(key)] for key in keys], pen=pen)
        cached(item)
        self.addItem(item)
        self._items.append(item)

    def _draw_strip(self, row) -> None:
        """A strip row's pixels for the range in view, one per device pixel of the plot's width."""
        item, y, height, starts, ends, rgba, alarm = row
        lo, hi = self.getViewBox().viewRange()[0]
        pixels = max(1, int(round(self.getViewBox().width() * self.devicePixelRatioF())))
        item.setImage(strip(starts, ends, rgba, lo, hi, pixels, alarm)[None], autoLevels=False)
        item.setRect(QRectF(lo, y - height / 2, hi - lo, height))

    # ------------------------------------------------------------------ interaction
    def set_current_track(self, run_id: int) -> None:
        if run_id != self.current_track:
            self.current_track = run_id
            self.set_tracks(self.tracks)

    def follow(self, frame: int, playing: bool = False) -> None:
        """Move the playhead to ``frame`` (without echoing back); while playing, page the view along."""
        if int(round(self.playhead.value())) != frame:
            self.playhead.blockSignals(True)
            self.playhead.setValue(frame)
            self.playhead.blockSignals(False)
        lo, hi = self.getViewBox().viewRange()[0]
        if not lo <= frame <= hi and playing:
            span = hi - lo
            self.setXRange(frame - 0.1 * span, frame + 0.9 * span, padding=0)

    def _dragged(self, line) -> None:
        self.frameChosen.emit(int(round(line.value())))

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.getViewBox().mapSceneToView(event.scenePos())
        self.frameChosen.emit(int(round(point.x())))

    def _moved(self, args) -> None:
        pos = args[0]
        if self.tracks is None or not self.sceneBoundingRect().contains(pos):
            self.hover.hide()
            return
        point = self.getViewBox().mapSceneToView(pos)
        text = self.describe(point.x(), point.y())
        if text:
            self.hover.setText(text)
            # Right of the mouse in the left half, left of it in the right half: never cut at the edge.
            vb = self.getViewBox().sceneBoundingRect()
            self.hover.setAnchor((0, 1) if pos.x() < vb.center().x() else (1, 1))
            self.hover.setPos(point.x(), point.y())
            self.hover.show()
        else:
            self.hover.hide()

    def describe(self, x: float, y: float) -> str:
        """What lies under (x, y): the class of a ground-truth segment or a prediction."""
        n = len(self.rows)
        k = n - 1 - int(round(y))
        if not 0 <= k < n or self.tracks is None:
            return ""
        label, what = self.rows[k]
        frame = int(np.floor(x))
        if what == "gt":
            hit = self.tracks.segment_at(frame)
            return f"frame {frame}: {hit[2]} [{hit[0]}, {hit[1]})" if hit else ""
        t = what[1] if isinstance(what, tuple) else what
        j = t.at(frame)
        if j is None:
            return ""
        truth = t.classes[t.labels[j]] if t.labels[j] >= 0 else "unlabelled"
        return (f"frame {frame}: {t.model} predicts {t.classes[t.predicted[j]]} ({t.confidence[j]:.0%}); "
                f"ground truth {truth}")
