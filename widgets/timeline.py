"""The session timeline (pyqtgraph): ground truth, a prediction track per run, correct/wrong,
confidence, and the playhead. Click or drag to scrub; the mouse wheel zooms, dragging pans.

Rows from the top: ground truth, then each run's predictions, then correct/wrong and confidence
of the run whose Grad-CAM is shown. Segment edges sit on frame boundaries: a segment
``[start, end)`` covers x from ``start`` to ``end``, and frame f is drawn at x = f.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from cabinlens.engine.analysis.session import SessionTracks
from cabinlens.widgets.palette import CORRECT, WRONG, class_colour
from cabinlens.widgets.plots import without_menus


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
        self.setMinimumHeight(150)

    # ------------------------------------------------------------------ content
    def set_tracks(self, tracks: SessionTracks | None, frame_count: int | None = None) -> None:
        for item in self._items:
            self.removeItem(item)
        self._items = []
        fresh = tracks is not None and (self.tracks is None or self.tracks.file_id != tracks.file_id)
        self.tracks = tracks
        self.rows = []
        if tracks is None:
            return
        self.rows.append(("ground truth", "gt"))
        for t in tracks.tracks:
            self.rows.append((f"{t.model} ({t.kind})", t))
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
                self._bars(y[k], [g[0] for g in gt], [g[1] for g in gt],
                           [class_colour(classes.index(g[2]) if g[2] in classes else -1) for g in gt])
            elif isinstance(what, tuple) and what[0] == "correct":
                t = what[1]
                ok = (t.predicted >= 0) & (t.labels >= 0)
                self._bars(y[k], t.starts[ok], t.ends[ok], [CORRECT if p == lbl else WRONG for p, lbl in
                                                           zip(t.predicted[ok], t.labels[ok], strict=True)], thin=True)
            elif isinstance(what, tuple) and what[0] == "confidence":
                t = what[1]
                ok = t.predicted >= 0
                curve = pg.PlotDataItem(t.centres[ok], y[k] - 0.4 + 0.8 * t.confidence[ok], pen=pg.mkPen("#8fd3ff", width=1.5))
                self.addItem(curve)
                self._items.append(curve)
            else:
                t = what
                ok = t.predicted >= 0
                self._bars(y[k], t.starts[ok], t.ends[ok], [class_colour(int(p), 230) for p in t.predicted[ok]], thin=t.kind == "sweep")
        axis = self.getPlotItem().getAxis("left")
        axis.setTicks([[(y[k], label) for k, (label, _) in enumerate(self.rows)]])
        end = frame_count or max([g[1] for g in tracks.ground_truth] + [int(t.ends.max()) for t in tracks.tracks if len(t.ends)] + [1])
        self.setLimits(xMin=0, xMax=end, yMin=-0.6, yMax=n - 0.4, minXRange=30)
        self.setYRange(-0.6, n - 0.4, padding=0)
        if fresh:  # a new session: show all of it; later updates (a sweep filling in) keep the user's zoom
            self.setXRange(0, end, padding=0)

    def _bars(self, y: float, starts, ends, colours, thin: bool = False) -> None:
        starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
        if starts.size == 0:
            return
        height = 0.5 if thin else 0.8
        pen = pg.mkPen(None) if thin else pg.mkPen(QColor(0, 0, 0, 90))
        item = pg.BarGraphItem(x0=starts, x1=ends, y0=np.full(starts.size, y - height / 2), height=height,
                               brushes=[pg.mkBrush(c) for c in colours], pen=pen)
        self.addItem(item)
        self._items.append(item)

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
