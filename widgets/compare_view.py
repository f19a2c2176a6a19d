"""Segments side by side, each with its frame (Grad-CAM overlay), ground truth, prediction and
confidence, and its own model and Grad-CAM class; one shared scrubber in synchronised mode, one
per pane in free mode. The view only paints what it is given and reports what the user asks for.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cabinlens.widgets.plots import title_label
from cabinlens.widgets.video_view import TARGETS, FrameCanvas, choose, normalisation_box
from cabinlens.widgets.strip import Strip

PER_ROW = 3
EMPTY = "Open a near miss (Near misses tab), or select clips and press Compare in the clip list."
SCALES = [("original size", 1.0), ("half size", 0.5), ("double size", 2.0)]


class ComparePane(QWidget):
    """One segment: its header (what it is, what the model said), the frame, its own controls."""

    modelChosen = Signal(str)
    targetChosen = Signal(str)
    offsetMoved = Signal(int)
    closeRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        # Three panes share the centre of a 1280 px window: the title (which segment) elides with the whole
        # text on hover; the labels (ground truth, prediction, right or wrong) wrap, since they are the point.
        self.title = title_label()
        self.title.setObjectName("paneTitle")
        self.labels = QLabel("")
        self.labels.setObjectName("paneLabels")
        self.labels.setTextFormat(Qt.TextFormat.RichText)
        self.labels.setWordWrap(True)
        self.labels.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.canvas = FrameCanvas()
        self.canvas.setMinimumSize(160, 128)
        self.canvas.message = "loading ..."
        self.model = QComboBox()
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(4)
        self.model.setToolTip("whose prediction and Grad-CAM this pane shows")
        self.target = QComboBox()
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target.setMinimumContentsLength(4)
        self.target.setToolTip("the class whose Grad-CAM is drawn")
        for text, value in TARGETS:
            self.target.addItem(text, value)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("this pane's position in its segment (free mode)")
        self.position = QLabel("")
        close = QToolButton()
        close.setText("×")
        close.setToolTip("remove this pane")
        close.clicked.connect(self.closeRequested)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(close)
        controls = QHBoxLayout()
        controls.addWidget(self.model, 1)
        controls.addWidget(QLabel("CAM"))
        controls.addWidget(self.target, 1)
        free = QHBoxLayout()
        free.addWidget(self.slider, 1)
        free.addWidget(self.position)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.labels)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(free)
        layout.addLayout(controls)
        self.model.currentTextChanged.connect(self._model)
        self.target.currentIndexChanged.connect(self._target)
        self.slider.valueChanged.connect(self.offsetMoved)

    def _target(self, index: int) -> None:
        self.targetChosen.emit(self.target.itemData(index))

    def _model(self, name: str) -> None:
        if name:
            self.modelChosen.emit(name)

    def set_choices(self, models: list[str], model: str, target: str) -> None:
        for box in (self.model, self.target):
            box.blockSignals(True)
        self.model.clear()
        self.model.addItems(models)
        self.model.setCurrentText(model)
        self.target.setCurrentIndex(max(0, self.target.findData(target)))
        for box in (self.model, self.target):
            box.blockSignals(False)

    def set_length(self, length: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, length - 1))
        self.slider.blockSignals(False)

    def set_offset(self, offset: int, frame: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(offset)
        self.slider.blockSignals(False)
        self.position.setText(f"+{offset} · #{frame}")


class CompareView(QWidget):
    """The panes in a grid (three per row) under one toolbar."""

    playToggled = Signal()
    offsetMoved = Signal(int)
    syncToggled = Signal(bool)
    addModelRequested = Signal()
    exportRequested = Signal()
    pngRequested = Signal()
    normalisationChosen = Signal(str)  # clip, dataset or raw
    paneModelChosen = Signal(int, str)
    paneTargetChosen = Signal(int, str)
    paneOffsetMoved = Signal(int, int)
    paneCloseRequested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.play = QPushButton("Play")
        self.play.setToolTip("play all panes (Space)")
        self.play.clicked.connect(self.playToggled)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("frames from each segment's start")
        self.slider.valueChanged.connect(self.offsetMoved)
        self.position = QLabel("")
        self.sync = QCheckBox("synchronised")
        self.sync.setChecked(True)
        self.sync.setToolTip("one scrubber for all panes, each aligned to its own segment start; off: each pane on its own")
        self.sync.toggled.connect(self.syncToggled)
        self.add_model = QPushButton("+ model")
        self.add_model.setToolTip("add the first pane's segment under another model")
        self.add_model.clicked.connect(self.addModelRequested)
        self.normalisation = normalisation_box()
        self.normalisation.currentIndexChanged.connect(self._normalisation)
        self.scale = QComboBox()
        for text, value in SCALES:
            self.scale.addItem(text, value)
        self.scale.setToolTip("size of exported clips and frames")
        self.export = QPushButton("Export MP4 ...")
        self.export.setToolTip("this layout as an annotated H.264 clip")
        self.export.clicked.connect(self.exportRequested)
        self.png = QPushButton("Frame as PNG ...")
        self.png.clicked.connect(self.pngRequested)
        self.title = QLabel(EMPTY)
        self.title.setObjectName("compareTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        bar = QHBoxLayout()
        bar.addWidget(self.play)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.position)
        actions = QHBoxLayout()
        actions.addWidget(self.sync)
        actions.addStretch(1)
        for w in (self.add_model, QLabel("Grad-CAM"), self.normalisation, self.scale, self.export, self.png):
            actions.addWidget(w)
        self.grid_host = QWidget()  # a layout with no panes would be skipped, floating the toolbar up
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.grid_host, 1)
        layout.addLayout(bar)
        layout.addWidget(Strip(actions))  # scrolls sideways rather than set the window's minimum width
        self.panes: list[ComparePane] = []
        self._enable(False)

    def _enable(self, on: bool) -> None:
        for w in (self.play, self.slider, self.sync, self.add_model, self.export, self.png):
            w.setEnabled(on)

    def set_pane_count(self, n: int) -> list[ComparePane]:
        while len(self.panes) > n:
            pane = self.panes.pop()
            self.grid.removeWidget(pane)
            pane.setParent(None)
            pane.deleteLater()
        while len(self.panes) < n:
            k = len(self.panes)
            pane = ComparePane()
            pane.modelChosen.connect(partial(self._relay, self.paneModelChosen, k))
            pane.targetChosen.connect(partial(self._relay, self.paneTargetChosen, k))
            pane.offsetMoved.connect(partial(self._relay, self.paneOffsetMoved, k))
            pane.closeRequested.connect(partial(self._relay, self.paneCloseRequested, k))
            self.panes.append(pane)
            self.grid.addWidget(pane, k // PER_ROW, k % PER_ROW)
        for pane in self.panes:
            pane.slider.setVisible(not self.sync.isChecked())
        self._enable(n > 0)
        return self.panes

    def _normalisation(self, index: int) -> None:
        self.normalisationChosen.emit(self.normalisation.itemData(index))

    def set_normalisation(self, value: str) -> None:
        choose(self.normalisation, value)

    @staticmethod
    def _relay(signal, k: int, *args) -> None:
        """A pane's signal, re-emitted with the pane's position (a method: no lambda's return value)."""
        signal.emit(k, *args)

    def set_length(self, length: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, length - 1))
        self.slider.blockSignals(False)

    def set_offset(self, offset: int, length: int, fps: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(offset)
        self.slider.blockSignals(False)
        self.position.setText(f"+{offset} / {max(0, length - 1)} ({offset / (fps or 30.0):.2f} s)")

    def set_sync(self, on: bool) -> None:
        self.sync.blockSignals(True)
        self.sync.setChecked(on)
        self.sync.blockSignals(False)
        self.slider.setEnabled(on and bool(self.panes))
        for pane in self.panes:
            pane.slider.setVisible(not on)

    def set_playing(self, playing: bool) -> None:
        self.play.setText("Pause" if playing else "Play")

    @property
    def export_scale(self) -> float:
        return float(self.scale.currentData())
