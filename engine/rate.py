"""How fast a long job goes and how long it has left: "340 / 2,100 windows · 12.5 windows/s · 2 min 21 s left".

The rate is measured over the last ``RATE_WINDOW_S`` seconds, not since the start: a sweep slows
down while the user plays video and speeds up again after, and the time left should follow.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from cabinlens.engine.wording import plural

RATE_WINDOW_S = 20.0


class ProgressRate:
    """A moving estimate of items per second from (time, items done) readings.

    Unlike the player's meter (``app.playback.RateMeter``, frames drawn, which must fall to 0 when
    drawing stalls), this one reads a count that only the job advances: between two readings there is
    nothing to measure, so the rate is the last readings' slope."""

    def __init__(self, window_s: float = RATE_WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s, self.clock = window_s, clock
        self._points: deque[tuple[float, int]] = deque()

    def reset(self) -> None:
        self._points.clear()

    def add(self, done: int) -> float | None:
        """Record ``done`` now; the rate over about the last ``window_s`` seconds (None until it can be told)."""
        now = self.clock()
        if self._points and done < self._points[-1][1]:
            self._points.clear()  # another run started counting
        self._points.append((now, done))
        # Keep one reading older than the window, so slow batches still give a rate over the whole window.
        while len(self._points) > 2 and self._points[1][0] <= now - self.window_s:
            self._points.popleft()
        return self.rate()

    def rate(self) -> float | None:
        if len(self._points) < 2:
            return None
        (t0, d0), (t1, d1) = self._points[0], self._points[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 and d1 > d0 else None


def duration(seconds: float) -> str:
    """'45 s', '2 min 21 s', '1 h 05 min'."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def progress_text(done: int, total: int, rate: float | None, unit: str) -> str:
    """'340 / 2,100 windows · 12.5 windows/s · 2 min 21 s left' (without a rate yet: the count alone)."""
    text = f"{done:,} / {total:,} {plural(total, unit)}"
    if rate is None or rate <= 0 or done >= total:
        return text
    shown = f"{rate:,.0f}" if rate >= 100 else f"{rate:.1f}" if rate >= 1 else f"{rate:.2f}"
    return f"{text} · {shown} {plural(2, unit)}/s · {duration((total - done) / rate)} left"
