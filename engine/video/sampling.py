"""Which T frames of a segment a model sees; independent of any model so specs can name a policy."""

from __future__ import annotations

from typing import Literal

import numpy as np

Policy = Literal["uniform", "center", "consecutive"]


def sample_indices(start: int, end: int, num_frames: int, policy: Policy = "uniform") -> np.ndarray:
    """``num_frames`` original frame indices from the segment ``[start, end)`` (end exclusive).

    - ``uniform``: evenly spread over the whole segment (centres of T equal bins); a segment
      shorter than T repeats frames, each frame appearing in temporal order.
    - ``center``: T consecutive frames around the middle (clamped), repeating the segment's
      frames in order when it is too short (what C3D-style clip models were trained on).
    - ``consecutive``: T consecutive frames from the start, repeating when too short.
    """
    if end <= start:
        raise ValueError(f"empty segment [{start}, {end})")
    if num_frames <= 0:
        raise ValueError("num_frames must be positive")
    length = end - start
    if policy == "uniform":
        # Centre of bin k of T equal bins; floor keeps indices inside [start, end).
        offsets = np.floor((np.arange(num_frames) + 0.5) * length / num_frames).astype(np.int64)
    elif policy in ("center", "consecutive"):
        if length >= num_frames:
            first = (length - num_frames) // 2 if policy == "center" else 0
            offsets = first + np.arange(num_frames, dtype=np.int64)
        else:  # stretch: each frame repeated about T/length times, in order
            offsets = np.floor(np.arange(num_frames) * length / num_frames).astype(np.int64)
    else:
        raise ValueError(f"unknown sampling policy {policy!r}")
    return start + np.clip(offsets, 0, length - 1)
