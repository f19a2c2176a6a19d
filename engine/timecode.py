"""Frame numbers as clock times (m:ss.ff), the one format the window, dialogs and exports share."""

from __future__ import annotations


def clock(frame: int, fps: float = 30.0, decimals: int = 2) -> str:
    """``frame`` at ``fps`` as minutes:seconds with ``decimals`` decimals (0:04.00 for frame 120 at 30 fps)."""
    seconds = frame / fps if fps > 0 else 0.0
    return f"{int(seconds // 60)}:{seconds % 60:0{decimals + 3}.{decimals}f}"


def timecode(frame: int, fps: float = 30.0) -> str:
    """``frame`` as m:ss.ff below an hour and h:mm:ss.ff from an hour on (real sessions last up to 40 min,
    recordings of a whole drive longer)."""
    seconds = frame / fps if fps > 0 else 0.0
    if seconds < 3600:
        return clock(frame, fps)
    hours, rest = divmod(seconds, 3600)
    return f"{int(hours)}:{int(rest // 60):02d}:{rest % 60:05.2f}"


def parse_position(text: str, fps: float = 30.0) -> int:
    """The frame a user typed: a whole number is a 0-based frame; ``m:ss``, ``m:ss.s``, ``h:mm:ss`` or a
    number of seconds with a decimal point or an ``s`` (``12.5``, ``12s``) is a time, taken to the nearest
    frame (so a time the player showed, in hundredths, reads back as its frame). Raises ValueError with a sentence that says what is accepted."""
    given = text.strip().lower()
    problem = f"{text.strip()!r} is neither a frame number nor a time (m:ss, m:ss.s, h:mm:ss or 12.5s)"
    if not given:
        raise ValueError(problem)
    try:
        if given.isdigit():
            return int(given)
        if ":" in given:
            parts = given.split(":")
            if len(parts) > 3 or any(not p for p in parts):
                raise ValueError(problem)
            seconds = 0.0
            for part in parts[:-1]:
                if not part.isdigit():
                    raise ValueError(problem)
                seconds = seconds * 60 + int(part)
            last = float(parts[-1])
            if last < 0 or (len(parts) > 1 and last >= 60):
                raise ValueError(problem)
            seconds = seconds * 60 + last
        else:
            seconds = float(given.removesuffix("s"))
    except ValueError:
        raise ValueError(problem) from None
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(problem)
    return int(round(seconds * (fps if fps > 0 else 30.0)))
