"""The player's transport row: play/pause, time and frame, a go-to box, speed, loop, and the achieved rate.

It shows what it is told and emits what the user chose; the application wires it to its state.
Times are m:ss.ff (hundredths of a second) so that what the go-to box accepts reads like what is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QStyle, QToolButton, QWidget

from cabinlens.engine.timecode import parse_position, timecode

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0)
GO_TO_TIP = ("Go to a frame (0-based, e.g. 1520) or a time (m:ss, m:ss.s or h:mm:ss, e.g. 1:23.5); "
             "Enter jumps there")


def speed_text(speed: float) -> str:
    return f"{abs(speed):g}×" + (" back" if speed < 0 else "")


class PlaybackBar(QWidget):
    playToggled = Signal()
    frameChosen = Signal(int)  # from the go-to box
    speedChosen = Signal(float)  # > 0; the direction stays the player's
    loopToggled = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.fps, self.frame_count = 30.0, 0
        self.problem = ""  # why the go-to box's text was refused
        self.play = QToolButton()
        self.play.setObjectName("playButton")
        self.play.setToolTip("Play / pause")
        self.playing = False
        self.position = QLabel("")
        self.position.setObjectName("position")
        self.position.setToolTip("Time (minutes:seconds.hundredths) and the 0-based frame number")
        self.go_to = QLineEdit()
        self.go_to.setObjectName("goTo")
        self.go_to.setPlaceholderText("go to frame or m:ss")
        self.go_to.setToolTip(GO_TO_TIP)
        self.go_to.setClearButtonEnabled(True)
        self.go_to.setMinimumWidth(self.go_to.fontMetrics().horizontalAdvance("go to frame or m:ss") + 36)
        self.go_to.setMaximumWidth(200)
        self.speed = QComboBox()
        self.speed.setObjectName("speed")
        self.speed.setToolTip("Playback speed (the video keeps its time: frames are dropped, never slowed down)")
        for s in SPEEDS:
            self.speed.addItem(speed_text(s), s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.loop = QCheckBox("loop segment")
        self.loop.setObjectName("loop")
        self.loop.setToolTip("Play the ground-truth segment under the playhead (else its analysed clip) over and over")
        self.rate = QLabel("")
        self.rate.setObjectName("playbackRate")
        self.rate.setStyleSheet("color: #e0a030")
        self.rate.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.rate.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.play, self.position, self.go_to, self.speed, self.loop):
            layout.addWidget(w)
        layout.addWidget(self.rate, 1)
        self.play.clicked.connect(self.playToggled)
        self.go_to.returnPressed.connect(self._go)
        self.go_to.textEdited.connect(lambda _t: self._mark_problem(""))
        self.speed.currentIndexChanged.connect(lambda i: self.speedChosen.emit(float(self.speed.itemData(i))))
        self.loop.toggled.connect(self.loopToggled)
        self.show_position(0, 0, 30.0)
        self.show_playing(False)

    # ------------------------------------------------------------------ shown values
    def show_position(self, frame: int, frame_count: int, fps: float) -> None:
        self.fps, self.frame_count = (fps if fps > 0 else 30.0), frame_count
        total = f" / {frame_count - 1}" if frame_count else ""
        text = f"{timecode(frame, self.fps)} · frame {frame}{total}"
        self.position.setText(text)
        # Room for the longest text of this session, so the row does not jump while playing.
        longest = f"{timecode(max(frame_count - 1, 0), self.fps)} · frame {frame_count - 1}{total}"
        self.position.setMinimumWidth(self.position.fontMetrics().horizontalAdvance(longest) + 8)

    def show_playing(self, playing: bool) -> None:
        """The style's play or pause icon (a font may lack the media symbols)."""
        self.playing = playing
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play.setIcon(self.style().standardIcon(icon))

    def show_speed(self, speed: float) -> None:
        """The speed's size in the box (J/L may set one the box lists, or 8× back: then its text)."""
        index = self.speed.findData(abs(speed))
        self.speed.blockSignals(True)
        if index >= 0:
            self.speed.setCurrentIndex(index)
        self.speed.setToolTip(f"Playback speed: {speed_text(speed)} (frames are dropped, never slowed down)")
        self.speed.blockSignals(False)

    def show_loop(self, on: bool, segment: tuple[int, int] | None = None) -> None:
        self.loop.blockSignals(True)
        self.loop.setChecked(on)
        self.loop.blockSignals(False)
        if on and segment:
            self.loop.setToolTip(f"Looping frames {segment[0]}-{segment[1] - 1}")
        else:
            self.loop.setToolTip("Play the ground-truth segment under the playhead (else its analysed clip) over and over")

    def show_rate(self, text: str) -> None:
        """The achieved picture rate while playback falls behind ('12 fps of 30, dropping frames'); empty hides it."""
        self.rate.setText(text)
        self.rate.setToolTip(text + ": decoding cannot keep up, so frames are skipped to keep the video's time"
                             if text else "")
        self.rate.setVisible(bool(text))

    # ------------------------------------------------------------------ the go-to box
    def _go(self) -> None:
        try:
            frame = parse_position(self.go_to.text(), self.fps)
        except ValueError as exc:
            self._mark_problem(str(exc))
            return
        if self.frame_count and frame >= self.frame_count:
            self._mark_problem(f"the session has frames 0-{self.frame_count - 1} "
                               f"({timecode(self.frame_count - 1, self.fps)})")
            return
        self._mark_problem("")
        self.frameChosen.emit(frame)

    def _mark_problem(self, text: str) -> None:
        self.go_to.setStyleSheet("QLineEdit { border: 1px solid #d33; }" if text else "")
        self.go_to.setToolTip(text or GO_TO_TIP)
        self.problem = text
