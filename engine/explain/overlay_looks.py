"""The overlay's looks by name, without OpenCV, so the window can offer them before it decodes anything.

- ``heat``: the colour-mapped map blended over the frame, at most ``MAX_OPACITY`` strong, so the
  video always shows through (a fully opaque map hides the hand it is supposed to point at);
- ``contours``: iso-lines of the map at ``CONTOUR_LEVELS`` (shares of full colour), drawn over the
  untouched frame in the colour map's colour of their level.
"""

from __future__ import annotations

LOOKS: tuple[str, ...] = ("heat", "contours")
LABELS = {"heat": "heat map", "contours": "contours"}
MAX_OPACITY = 0.6
CONTOUR_LEVELS: tuple[float, ...] = (0.25, 0.5, 0.75)


def check(look: str) -> str:
    """``look`` itself, or a ValueError naming the choices."""
    if look not in LOOKS:
        raise ValueError(f"unknown overlay look {look!r}; choose from {', '.join(LOOKS)}")
    return look


def capped(opacity: float) -> float:
    """``opacity`` within 0..MAX_OPACITY."""
    return min(max(float(opacity), 0.0), MAX_OPACITY)
