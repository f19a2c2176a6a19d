"""Choose a time range of a session: start and end as times and as frames, kept in step.

People think of a video in seconds and the engine in frames; each row shows both, and editing one
moves the other. The end is exclusive (the frame after the last one exported), as everywhere in
CabinLens, and OK is only enabled for a non-empty range inside the session.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from cabinlens.engine.timecode import clock


class TimeRangeDialog(QDialog):
    def __init__(self, fps: float, frame_count: int, start: int, end: int, parent=None,
                 title: str = "Export a time range") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.fps = fps if fps > 0 else 30.0
        self.frame_count = max(1, frame_count)
        grid = QGridLayout()
        grid.addWidget(QLabel("seconds"), 0, 1)
        grid.addWidget(QLabel("frame"), 0, 2)
        self._seconds: dict[str, QDoubleSpinBox] = {}
        self._frames: dict[str, QSpinBox] = {}
        for row, (name, text, lo, hi) in enumerate((("start", "Start", 0, self.frame_count - 1),
                                                     ("end", "End (exclusive)", 1, self.frame_count)), start=1):
            seconds = QDoubleSpinBox()
            seconds.setDecimals(2)
            seconds.setRange(lo / self.fps, hi / self.fps)
            seconds.setSingleStep(1.0)
            seconds.setSuffix(" s")
            seconds.setKeyboardTracking(False)
            frames = QSpinBox()
            frames.setRange(lo, hi)
            frames.setKeyboardTracking(False)
            self._seconds[name], self._frames[name] = seconds, frames
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(seconds, row, 1)
            grid.addWidget(frames, row, 2)
            seconds.valueChanged.connect(lambda value, n=name: self._seconds_changed(n, value))
            frames.valueChanged.connect(lambda value, n=name: self._frame_changed(n, value))
        self.summary = QLabel("")
        self.summary.setObjectName("rangeSummary")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.set_range(start, end)

    # ------------------------------------------------------------------ values
    @property
    def start(self) -> int:
        return self._frames["start"].value()

    @property
    def end(self) -> int:
        return self._frames["end"].value()

    def set_range(self, start: int, end: int) -> None:
        self._frames["start"].setValue(int(start))
        self._frames["end"].setValue(int(end))
        self._frame_changed("start", self.start)
        self._frame_changed("end", self.end)

    def _frame_changed(self, name: str, frame: int) -> None:
        box = self._seconds[name]
        box.blockSignals(True)
        box.setValue(frame / self.fps)
        box.blockSignals(False)
        self._update()

    def _seconds_changed(self, name: str, seconds: float) -> None:
        self._frames[name].setValue(int(round(seconds * self.fps)))  # its signal updates the rest
        self._update()

    def _update(self) -> None:
        ok = 0 <= self.start < self.end <= self.frame_count
        if ok:
            n = self.end - self.start
            self.summary.setText(f"{clock(self.start, self.fps)} – {clock(self.end, self.fps)}: {n} frames, "
                                 f"{n / self.fps:.2f} s at {self.fps:g} fps")
        else:
            self.summary.setText("the end must come after the start")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
