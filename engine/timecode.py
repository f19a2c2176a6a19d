"""Frame numbers as clock times (m:ss.ff), the one format the window, dialogs and exports share."""

from __future__ import annotations


def clock(frame: int, fps: float = 30.0, decimals: int = 2) -> str:
    """``frame`` at ``fps`` as minutes:seconds with ``decimals`` decimals (0:04.00 for frame 120 at 30 fps)."""
    seconds = frame / fps if fps > 0 else 0.0
    return f"{int(seconds // 60)}:{seconds % 60:0{decimals + 3}.{decimals}f}"
