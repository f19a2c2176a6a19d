"""Playback that keeps the video's time: a timer emits the frame index due now, never "the next frame".

When decoding cannot keep up, the indices in between are simply never drawn (the frame source serves
only the newest request), so a session plays in real time at a lower picture rate instead of slowing
down. As napari does, the timer only emits indices; the GUI thread draws the newest frame that
arrived. The clock and the rate meter take a ``now`` function, so tests drive them without waiting.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

MAX_TICK_HZ = 60.0  # no screen shows more; faster playback skips indices by design
RATE_WINDOW = 1.0  # seconds of drawn frames the achieved rate is measured over
BEHIND = 0.85  # below this share of the wanted picture rate, the player says it drops frames


class PlaybackClock:
    """Which frame is due: the frame playback started on plus the video time elapsed since then.

    ``segment`` (start, end exclusive) loops playback inside it; without one, ``due`` may leave the
    video and the caller stops."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.origin, self.started = 0, 0.0
        self.fps, self.speed = 30.0, 1.0
        self.segment: tuple[int, int] | None = None

    def start(self, frame: int, fps: float, speed: float, segment: tuple[int, int] | None = None) -> None:
        self.origin, self.started = int(frame), self.now()
        self.fps, self.speed = (fps if fps > 0 else 30.0), (speed or 1.0)
        self.segment = segment if segment and segment[1] > segment[0] and segment[0] <= frame < segment[1] else None

    def due(self) -> int:
        elapsed = (self.now() - self.started) * self.fps * self.speed
        frame = self.origin + (math.floor(elapsed + 1e-9) if elapsed >= 0 else math.ceil(elapsed - 1e-9))
        if self.segment is not None:
            a, b = self.segment
            frame = a + (frame - a) % (b - a)
        return frame

    @property
    def wanted_rate(self) -> float:
        """Pictures per second playback should show: the video's rate times the speed, up to the timer's."""
        return min(self.fps * abs(self.speed), MAX_TICK_HZ)


class RateMeter:
    """Frames drawn per second over the last ``window`` seconds (None until that long has passed)."""

    def __init__(self, now: Callable[[], float] = time.monotonic, window: float = RATE_WINDOW) -> None:
        self.now, self.window = now, window
        self.since = now()
        self.times: deque[float] = deque()

    def reset(self) -> None:
        self.since = self.now()
        self.times.clear()

    def drawn(self) -> None:
        self.times.append(self.now())

    def rate(self) -> float | None:
        now = self.now()
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        if now - self.since < self.window:
            return None
        return len(self.times) / self.window


def falling_behind(achieved: float | None, wanted: float) -> str:
    """What the player says when it draws fewer pictures than the video has: '12 fps of 30, dropping frames'."""
    if achieved is None or achieved >= BEHIND * wanted:
        return ""
    return f"{achieved:.0f} fps of {wanted:.0f}, dropping frames"


class Playback(QObject):
    """The player's transport: ``frameDue`` with the index to show, ``ended`` at the video's edge,
    ``rateChanged`` with a sentence while it cannot draw at the video's rate (empty when it can)."""

    frameDue = Signal(int)
    ended = Signal()
    rateChanged = Signal(str)

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = PlaybackClock(now)
        self.meter = RateMeter(now)
        self.frame_count = 0
        self.last = -1  # the index emitted last (a different playhead means the user moved it)
        self.rate_text = ""
        self._reported = 0.0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def start(self, frame: int, fps: float, speed: float, frame_count: int,
              segment: tuple[int, int] | None = None) -> None:
        """Play from ``frame`` (again, when already playing: a new speed, a jump, a loop switched on)."""
        self.frame_count = frame_count
        self.clock.start(frame, fps, speed, segment)
        self.last = int(frame)
        self.meter.reset()
        self._reported = self.clock.now()
        self.timer.start(max(1, int(1000 / self.clock.wanted_rate)))
        self._report("")

    def stop(self) -> None:
        self.timer.stop()
        self._report("")

    def drawn(self) -> None:
        """A frame reached the screen while playing (counted for the achieved rate)."""
        if self.running:
            self.meter.drawn()

    def tick(self) -> None:
        frame = self.clock.due()
        if not 0 <= frame < self.frame_count:
            edge = min(max(frame, 0), self.frame_count - 1)
            if edge != self.last and edge >= 0:  # the last (or first) frame is shown before stopping
                self.last = edge
                self.frameDue.emit(edge)
            self.stop()
            self.ended.emit()
            return
        if frame != self.last:
            self.last = frame
            self.frameDue.emit(frame)
        now = self.clock.now()
        if now - self._reported >= 0.5:  # a steady number, not one that flickers with every tick
            self._reported = now
            self._report(falling_behind(self.meter.rate(), self.clock.wanted_rate))

    def _report(self, text: str) -> None:
        if text != self.rate_text:
            self.rate_text = text
            self.rateChanged.emit(text)
