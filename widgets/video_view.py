"""The current frame with its Grad-CAM overlay, the labels of the frame, and the overlay controls.

It only paints what it is given (an RGB array) and emits the user's choices; the application wires
them to its state and shows the state's values back with ``show_controls``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from cabinlens.engine.explain.normalisation import LABELS
from cabinlens.engine.explain.overlay_looks import LABELS as LOOK_LABELS
from cabinlens.engine.explain.overlay_looks import MAX_OPACITY
from cabinlens.widgets.colour_bar import ColourBar
from cabinlens.widgets.playback_bar import PlaybackBar

TARGETS = [("predicted", "pred"), ("ground truth", "gt"), ("2nd", "top2"), ("3rd", "top3"), ("4th", "top4"), ("5th", "top5")]
TARGET_WORDS = {"pred": "top-1 prediction", "gt": "ground truth", "top2": "2nd guess", "top3": "3rd guess",
                "top4": "4th guess", "top5": "5th guess"}
RUN_TIP = "Whose prediction and Grad-CAM the player shows (a model on a split, or its sweep of this session); kept per project"
NORMALISATION_TIP = ("How Grad-CAM values become colours. Per clip: each clip's maximum is full colour (where the model "
                     "looked; a faint map looks as strong as a clear one). Per dataset: one divisor per model, the 99th "
                     "percentile of its clips' maxima, so brightness compares between clips. Raw: the values of Eq. 2.")
LOOK_TIP = ("How the map is drawn. Heat map: colours blended over the frame, at most "
            f"{MAX_OPACITY:.0%} strong so the video shows through. Contours: lines where the map crosses "
            "25, 50 and 75 % of full colour, over the untouched frame.")
OPACITY_TIP = f"How strongly the heat map covers the frame (at most {MAX_OPACITY:.0%}: the video always shows through)"
EVIDENCE_TIP = ("Outline where the evidence is in this frame, from the video's evidence file: white the "
                "class-defining hand, object or body part, magenta a distractor lying in view")
NO_EVIDENCE_TIP = "This video has no evidence file (<video name>.evidence.csv beside the video): no boxes to draw"


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
    """Paints one frame, scaled to fit with its aspect ratio.

    ``resized`` (once the size has settled) asks for the frame again at the new size, since the
    frames come shrunk to the canvas.
    """

    resized = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(120)
        self._settle.timeout.connect(self.resized)
        self.setMinimumSize(240, 180)  # the frame scales; a larger minimum pushed the window past 800 px
        self.pixmap: QPixmap | None = None
        self.message = "No session open"

    def show_frame(self, rgb: np.ndarray | None, message: str = "") -> None:
        self.pixmap = QPixmap.fromImage(to_qimage(rgb)) if rgb is not None else None
        self.message = message
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._settle.start()

    def device_size(self) -> tuple[int, int]:
        """(width, height) in device pixels: frames larger than this are shrunk before they get here."""
        ratio = self.devicePixelRatioF()
        return max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio))

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.pixmap is None:
            painter.setPen(Qt.GlobalColor.lightGray)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        ratio = self.devicePixelRatioF()
        if self.pixmap.width() <= self.width() * ratio and self.pixmap.height() <= self.height() * ratio and (
                abs(self.pixmap.width() - self.width() * ratio) <= 1 or abs(self.pixmap.height() - self.height() * ratio) <= 1):
            # Shrunk to this canvas already (engine.explain.overlay.fit_within): drawn 1:1, no rescale.
            self.pixmap.setDevicePixelRatio(ratio)
            w, h = self.pixmap.width() / ratio, self.pixmap.height() / ratio
            painter.drawPixmap(QPointF((self.width() - w) / 2, (self.height() - h) / 2), self.pixmap)
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
    runChosen = Signal(int)  # run id whose prediction and Grad-CAM are shown
    lookChosen = Signal(str)  # "heat" or "contours" (cabinlens.engine.explain.overlay_looks)
    evidenceToggled = Signal(bool)  # outline the evidence boxes on the frame

    def __init__(self) -> None:
        super().__init__()
        self.canvas = FrameCanvas()
        self.labels = QLabel("")
        self.labels.setObjectName("frameLabels")
        self.labels.setTextFormat(Qt.TextFormat.RichText)
        # A long line of predictions must neither widen the window nor lose a word: it wraps (and the
        # tooltip lists it part by part).
        self.labels.setWordWrap(True)
        self.labels.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.runs = QComboBox()
        self.runs.setObjectName("shownRun")
        self.runs.setToolTip(RUN_TIP)
        self.runs.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.transport = PlaybackBar()
        self.overlay = QCheckBox("Grad-CAM")
        self.overlay.setChecked(True)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, int(round(MAX_OPACITY * 100)))
        self.opacity.setMinimumWidth(70)
        self.opacity.setMaximumWidth(140)
        self.opacity.setToolTip(OPACITY_TIP)
        self.look = QComboBox()
        self.look.setObjectName("overlayLook")
        for value, text in LOOK_LABELS.items():
            self.look.addItem(text, value)
        self.look.setToolTip(LOOK_TIP)
        self.evidence = QCheckBox("evidence")
        self.evidence.setObjectName("evidenceBoxes")
        self.evidence.setEnabled(False)  # until the shown video is known to have an evidence file
        self.evidence.setToolTip(NO_EVIDENCE_TIP)
        self.colour_bar = ColourBar()
        self.colormap = QComboBox()
        self.colormap.addItems(["jet", "turbo", "inferno", "viridis"])
        self.normalisation = normalisation_box()
        self.target = QComboBox()
        for text, value in TARGETS:
            self.target.addItem(text, value)
        self.mode_note = QLabel("Grad-CAM normalised per clip · weights Eq. 1 (clip)")
        self.mode_note.setObjectName("modeNote")
        self.mode_note.setWordWrap(True)  # wraps, never squeezing the slider
        self.mode_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        shown = QHBoxLayout()  # a sentence: "Grad-CAM of <run>, class <target>"
        for w in (self.overlay, QLabel("of"), self.runs, QLabel("class"), self.target):
            shown.addWidget(w)
        shown.addStretch(1)
        shown.addWidget(self.evidence)
        controls = QHBoxLayout()
        for w in (self.look, QLabel("opacity"), self.opacity, self.colormap, self.normalisation):
            controls.addWidget(w)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.labels)
        picture = QHBoxLayout()  # the colour bar beside the frame: the frame is letterboxed there anyway
        picture.setSpacing(2)
        picture.addWidget(self.canvas, 1)
        picture.addWidget(self.colour_bar)
        layout.addLayout(picture, 1)
        layout.addWidget(self.transport)
        layout.addLayout(shown)
        layout.addLayout(controls)
        layout.addWidget(self.mode_note)  # a line of its own: the divisor of dataset normalisation must show
        self.overlay.toggled.connect(self.overlayToggled)
        self.opacity.valueChanged.connect(lambda v: self.opacityChosen.emit(v / 100))
        self.target.currentIndexChanged.connect(lambda i: self.targetChosen.emit(self.target.itemData(i)))
        self.colormap.currentTextChanged.connect(self.colormapChosen)
        self.normalisation.currentIndexChanged.connect(lambda i: self.normalisationChosen.emit(self.normalisation.itemData(i)))
        self.runs.activated.connect(lambda i: self.runChosen.emit(int(self.runs.itemData(i))))
        self.look.currentIndexChanged.connect(lambda i: self.lookChosen.emit(self.look.itemData(i)))
        self.look.currentIndexChanged.connect(lambda _i: self._opacity_applies())
        self.evidence.toggled.connect(self.evidenceToggled)

    def show_controls(self, *, on: bool, opacity: float, colormap: str, normalisation: str, target: str,
                      look: str = "heat", evidence: bool = False) -> None:
        """Show these values in the controls without emitting (the app's state, changed elsewhere)."""
        widgets = (self.overlay, self.opacity, self.colormap, self.normalisation, self.target, self.look, self.evidence)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.overlay.setChecked(on)
            self.opacity.setValue(int(round(opacity * 100)))
            self.colormap.setCurrentText(colormap)
            choose(self.normalisation, normalisation)
            index = self.target.findData(target)
            if index >= 0:
                self.target.setCurrentIndex(index)
            choose(self.look, look)
            self.evidence.setChecked(evidence)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._opacity_applies()

    def _opacity_applies(self) -> None:
        contours = self.look.currentData() == "contours"
        self.opacity.setEnabled(not contours)
        self.opacity.setToolTip("Contours leave the frame untouched: opacity applies to the heat map" if contours
                                else OPACITY_TIP)

    def set_evidence_available(self, available: bool | None) -> None:
        """Whether the shown video has an evidence file (None: not known yet); the toggle keeps its
        state, and is usable only where there are boxes to draw."""
        self.evidence.setEnabled(bool(available))
        self.evidence.setToolTip(EVIDENCE_TIP if available else NO_EVIDENCE_TIP if available is False
                                 else "Looking for the video's evidence file ...")

    def set_runs(self, runs: list[tuple[int, str, str]], current: int) -> None:
        """The session's runs as (run id, text, tooltip), showing ``current``; no signal."""
        self.runs.blockSignals(True)
        try:
            if [(self.runs.itemData(i), self.runs.itemText(i)) for i in range(self.runs.count())] != [r[:2] for r in runs]:
                self.runs.clear()
                for run_id, text, tip in runs:
                    self.runs.addItem(text, run_id)
                    self.runs.setItemData(self.runs.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            index = self.runs.findData(current)
            self.runs.setCurrentIndex(index)
            tip = runs[index][2] if index >= 0 else ""
            self.runs.setToolTip(f"{RUN_TIP}.\nShown: {tip}" if tip else RUN_TIP)
        finally:
            self.runs.blockSignals(False)

    def set_mode_note(self, text: str) -> None:
        self.mode_note.setText(text)
        self.mode_note.setToolTip(text)

    def set_labels(self, frame: int, ground_truth: str | None, predictions: list[tuple[str, str, float, bool | None]],
                   cam_class: str | None, cam_target: str = "pred", cam_run: str = "", cam_method: str = "Grad-CAM") -> None:
        """Frame, ground truth, whose map (``cam_method``: Grad-CAM, or an attention method) of which class, then
        each run's prediction with confidence (green right, red wrong). It wraps rather than drop a word; the
        tooltip lists it part by part."""
        parts = [f"<b>frame {frame}</b>", f"ground truth: <b>{ground_truth or '–'}</b>"]
        if cam_class:
            source = TARGET_WORDS.get(cam_target, cam_target) + (f" of {cam_run}" if cam_run else "")
            parts.append(f"{cam_method} of <i>{cam_class}</i> ({source})")
        for model, cls, conf, right in predictions:
            colour = "#3a3" if right else ("#d33" if right is False else "#888")
            parts.append(f"{model}: <span style='color:{colour}'><b>{cls}</b> {conf:.0%}</span>")
        self.labels.setText(" &nbsp;| ".join(parts))
        self.labels.setToolTip("<br>".join(parts))
        # The line keeps the most lines it needed at this width, so the frame does not jump while playing.
        if self.labels.width() > 50:
            self.labels.setMinimumHeight(max(self.labels.minimumHeight(), self.labels.heightForWidth(self.labels.width())))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.labels.setMinimumHeight(0)  # a new width: measure again
        super().resizeEvent(event)
