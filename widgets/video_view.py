"""The current frame with its Grad-CAM overlay, the labels of the frame, and the overlay controls.

It only paints what it is given (an RGB array) and emits the user's choices; the application wires
them to its state and shows the state's values back with ``show_controls``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from cabinlens.engine.explain.normalisation import LABELS

TARGETS = [("predicted", "pred"), ("ground truth", "gt"), ("2nd", "top2"), ("3rd", "top3"), ("4th", "top4"), ("5th", "top5")]
NORMALISATION_TIP = ("How Grad-CAM values become colours. Per clip: each clip's maximum is full colour (where the model "
                     "looked; a faint map looks as strong as a clear one). Per dataset: one divisor per model, the 99th "
                     "percentile of its clips' maxima, so brightness compares between clips. Raw: the values of Eq. 2.")


def normalisation_box() -> QComboBox:
    """The normalisation choice, the same in the player and the compare view."""
    box = QComboBox()
    for value, text in LABELS.items():
        box.addItem(text, value)
    box.setToolTip(NORMALISATION_TIP)
    return box


def choose(box: QComboBox, value: str) -> None:
    """Show ``value`` in a box of (text, data) items without emitting its change signal."""
    index = box.findData(value)
    if index >= 0 and index != box.currentIndex():
        box.blockSignals(True)
        box.setCurrentIndex(index)
        box.blockSignals(False)


def to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: the array may go away


class FrameCanvas(QWidget):
    """Paints one frame, scaled to fit with its aspect ratio."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(320, 256)
        self.pixmap: QPixmap | None = None
        self.message = "No session open"

    def show_frame(self, rgb: np.ndarray | None, message: str = "") -> None:
        self.pixmap = QPixmap.fromImage(to_qimage(rgb)) if rgb is not None else None
        self.message = message
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.pixmap is None:
            painter.setPen(Qt.GlobalColor.lightGray)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        size = self.pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x, y = (self.width() - size.width()) / 2, (self.height() - size.height()) / 2
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(QRectF(x, y, size.width(), size.height()), self.pixmap, QRectF(self.pixmap.rect()))


class VideoView(QWidget):
    overlayToggled = Signal(bool)
    opacityChosen = Signal(float)  # 0..1
    colormapChosen = Signal(str)
    normalisationChosen = Signal(str)  # see cabinlens.engine.explain.normalisation
    targetChosen = Signal(str)  # "pred", "gt", "top2" ... "top5"

    def __init__(self) -> None:
        super().__init__()
        self.canvas = FrameCanvas()
        self.labels = QLabel("")
        self.labels.setObjectName("frameLabels")
        self.labels.setTextFormat(Qt.TextFormat.RichText)
        # A long line of predictions must not widen the window: it is clipped, and the tooltip has it all.
        self.labels.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.overlay = QCheckBox("Grad-CAM")
        self.overlay.setChecked(True)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setMinimumWidth(80)
        self.opacity.setMaximumWidth(140)
        self.colormap = QComboBox()
        self.colormap.addItems(["jet", "turbo", "inferno", "viridis"])
        self.normalisation = normalisation_box()
        self.target = QComboBox()
        for text, value in TARGETS:
            self.target.addItem(text, value)
        self.mode_note = QLabel("Grad-CAM normalised per clip · weights Eq. 1 (clip)")
        self.mode_note.setObjectName("modeNote")
        self.mode_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # clipped, never squeezing the slider
        controls = QHBoxLayout()
        for w in (self.overlay, QLabel("opacity"), self.opacity, self.colormap, self.normalisation, QLabel("class"),
                  self.target):
            controls.addWidget(w)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.labels)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(controls)
        layout.addWidget(self.mode_note)  # a line of its own: the divisor of dataset normalisation must show
        self.overlay.toggled.connect(self.overlayToggled)
        self.opacity.valueChanged.connect(lambda v: self.opacityChosen.emit(v / 100))
        self.target.currentIndexChanged.connect(lambda i: self.targetChosen.emit(self.target.itemData(i)))
        self.colormap.currentTextChanged.connect(self.colormapChosen)
        self.normalisation.currentIndexChanged.connect(lambda i: self.normalisationChosen.emit(self.normalisation.itemData(i)))

    def show_controls(self, *, on: bool, opacity: float, colormap: str, normalisation: str, target: str) -> None:
        """Show these values in the controls without emitting (the app's state, changed elsewhere)."""
        for w in (self.overlay, self.opacity, self.colormap, self.normalisation, self.target):
            w.blockSignals(True)
        try:
            self.overlay.setChecked(on)
            self.opacity.setValue(int(round(opacity * 100)))
            self.colormap.setCurrentText(colormap)
            choose(self.normalisation, normalisation)
            index = self.target.findData(target)
            if index >= 0:
                self.target.setCurrentIndex(index)
        finally:
            for w in (self.overlay, self.opacity, self.colormap, self.normalisation, self.target):
                w.blockSignals(False)

    def set_mode_note(self, text: str) -> None:
        self.mode_note.setText(text)
        self.mode_note.setToolTip(text)

    def set_labels(self, frame: int, ground_truth: str | None, predictions: list[tuple[str, str, float, bool | None]],
                   cam_class: str | None) -> None:
        """One line: frame, ground truth, each model's prediction with confidence (green right, red wrong)."""
        parts = [f"<b>frame {frame}</b>", f"ground truth: <b>{ground_truth or '–'}</b>"]
        for model, cls, conf, right in predictions:
            colour = "#3a3" if right else ("#d33" if right is False else "#888")
            parts.append(f"{model}: <span style='color:{colour}'><b>{cls}</b> {conf:.0%}</span>")
        if cam_class:
            parts.append(f"Grad-CAM of <i>{cam_class}</i>")
        self.labels.setText(" &nbsp;|&nbsp; ".join(parts))
        self.labels.setToolTip("<br>".join(parts))
