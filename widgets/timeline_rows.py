"""A timeline row's segments as arrays: runs of one class, and a picture of them at screen resolution.

An hour's sweep is 13,500 overlapping windows per model. Drawn as bars, one per run, laying the
rows out took seconds of the GUI thread and every zoom hundreds of milliseconds (Python loops
over the windows, a text measurement per run, a replay of every bar). Here runs are found with
numpy, and a row with many runs is drawn as one strip of pixels computed for the range in view:
its cost follows the screen's width, not the session's length.
"""

from __future__ import annotations

import numpy as np

#: A thin row with more runs than this is drawn as a strip of pixels (``strip``), not as bars.
STRIP_ABOVE = 400


def runs(starts, ends, keys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive segments (in start order) with one key that touch or overlap, as one run each.

    Returns the runs' starts, ends and keys. A run ends where the key changes or where a segment
    starts after every segment of the run so far has ended (a gap).
    """
    s = np.asarray(starts, dtype=float)
    e = np.asarray(ends, dtype=float)
    k = np.asarray(keys)
    if s.size < 2:
        return s, e, k
    changed = np.ones(s.size, dtype=bool)
    changed[1:] = k[1:] != k[:-1]
    group = np.cumsum(changed) - 1
    # The furthest end so far within each group of one key: an offset per group that grows with it
    # makes one running maximum restart at every group.
    offset = (float(e.max()) - float(s.min()) + 1.0) * group
    reach = np.maximum.accumulate(e + offset) - offset
    new = changed.copy()
    new[1:] |= s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], s.size) - 1
    return s[first], reach[last], k[first]


def strip(starts: np.ndarray, ends: np.ndarray, rgba: np.ndarray, lo: float, hi: float, pixels: int,
          alarm: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(pixels, 4) uint8 colours of the runs between frames ``lo`` and ``hi``, one per screen pixel.

    A pixel shows the run at its centre (transparent where there is none). Runs of the ``alarm``
    colour stay visible even when shorter than a pixel (the wrong predictions of a right/wrong
    row): a pixel any of them touches shows that colour.
    """
    out = np.zeros((max(1, pixels), 4), np.uint8)
    if starts.size == 0 or hi <= lo or pixels < 1:
        return out
    width = (hi - lo) / pixels
    centres = lo + (np.arange(pixels) + 0.5) * width
    at = np.searchsorted(starts, centres, side="right") - 1
    inside = (at >= 0) & (centres < ends[np.clip(at, 0, None)])
    out[inside] = rgba[at[inside]]
    if alarm is not None:
        mine = np.all(rgba == np.asarray(alarm, np.uint8), axis=1)
        first = np.clip(np.floor((starts[mine] - lo) / width).astype(int), 0, pixels)
        stop = np.clip(np.ceil((ends[mine] - lo) / width).astype(int), 0, pixels)
        keep = stop > first
        count = np.zeros(pixels + 1, int)
        np.add.at(count, first[keep], 1)
        np.add.at(count, stop[keep], -1)
        out[np.cumsum(count)[:pixels] > 0] = alarm
    return out


def rgba_of(colours) -> np.ndarray:
    """(n, 4) uint8 from QColors."""
    return np.array([(c.red(), c.green(), c.blue(), c.alpha()) for c in colours], np.uint8).reshape(-1, 4)
