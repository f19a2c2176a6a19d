"""Class and outcome colours as plain RGB, shared by the widgets and the exported clips, so a class
has one colour on screen and in a video sent to a colleague."""

from __future__ import annotations

import colorsys
from functools import lru_cache

CORRECT = (60, 170, 90)
WRONG = (215, 60, 60)
UNKNOWN = (128, 128, 128)


@lru_cache(maxsize=1024)  # asked once per segment: an hour's sweep draws thousands
def class_rgb(index: int) -> tuple[int, int, int]:
    """A distinct colour per class index (golden-ratio hues, two lightness levels); grey for -1."""
    if index < 0:
        return UNKNOWN
    hue = (index * 0.618033988749895) % 1.0
    light = 0.5 if index % 2 == 0 else 0.65
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.75)
    return int(r * 255), int(g * 255), int(b * 255)


def outcome_rgb(right: bool | None) -> tuple[int, int, int]:
    return UNKNOWN if right is None else CORRECT if right else WRONG
