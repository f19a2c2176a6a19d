"""From a map at the layer's resolution to one overlay per original video frame.

A CAM is T'xH'xW' (e.g. 2x4x4 for a 16-frame clip). The map is upsampled (trilinear, on the
model's device) to the clip's T sampled frames at the input size, then interpolated in time to
every original frame of the segment: a frame between two sampled frames blends their maps
linearly, frames before the first / after the last sample take the nearest one, and a frame that
was sampled twice (segments shorter than T) gets the mean of its copies. Normalisation is a
separate, explicit step whose choice travels with the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from cabinlens.engine.explain.normalisation import check

Normalisation = Literal["clip", "dataset", "raw"]


def upsample(maps: torch.Tensor, size: tuple[int, int, int]) -> torch.Tensor:
    """(..., T', H', W') -> (..., T, H, W), trilinear with half-pixel centres, on the maps' device.

    Half-pixel centres (``align_corners=False``) match how strided convolutions and pooling
    place a layer cell over its input, so a peak stays over the pixels it came from.
    """
    lead = maps.shape[:-3]
    flat = maps.reshape(-1, 1, *maps.shape[-3:]).float()
    out = F.interpolate(flat, size=tuple(size), mode="trilinear", align_corners=False)
    return out.reshape(*lead, *size).clamp_min_(0)


@dataclass(frozen=True)
class TimeMapping:
    """Which sampled positions each original frame reads from: ``(1-alpha)*at[lo] + alpha*at[hi]``.

    ``unique``: the distinct sampled frame indices; ``groups``: for each of them, the positions in
    the clip that sampled it (duplicates are averaged first).
    """

    frames: np.ndarray  # (N,) original frame indices
    unique: np.ndarray  # (U,) distinct sampled frame indices, increasing
    groups: tuple[np.ndarray, ...]  # positions in the clip of each unique frame
    lo: np.ndarray  # (N,) index into ``unique``
    hi: np.ndarray  # (N,)
    alpha: np.ndarray  # (N,) float in [0, 1]


def time_mapping(sampled: np.ndarray, frames: np.ndarray) -> TimeMapping:
    """Linear interpolation weights from the clip's sampled frames to ``frames``."""
    sampled = np.asarray(sampled, dtype=np.int64)
    frames = np.asarray(frames, dtype=np.int64)
    if sampled.ndim != 1 or sampled.size == 0:
        raise ValueError("sampled frame indices must be a non-empty 1-D array")
    if np.any(np.diff(sampled) < 0):
        raise ValueError("sampled frame indices must be in temporal order")
    unique, inverse = np.unique(sampled, return_inverse=True)
    groups = tuple(np.flatnonzero(inverse == u) for u in range(unique.size))
    hi = np.searchsorted(unique, frames, side="left").clip(0, unique.size - 1)
    lo = np.where(unique[hi] > frames, hi - 1, hi).clip(0, unique.size - 1)
    span = (unique[hi] - unique[lo]).astype(np.float64)
    alpha = np.where(span > 0, (frames - unique[lo]) / np.where(span > 0, span, 1), 0.0).clip(0, 1)
    return TimeMapping(frames, unique, groups, lo, hi, alpha)


def to_frames(clip_maps: torch.Tensor, mapping: TimeMapping) -> torch.Tensor:
    """(T, ..., H, W) maps at the sampled frames -> (N, ..., H, W) maps at ``mapping.frames``."""
    device = clip_maps.device
    per_unique = torch.stack([clip_maps[torch.as_tensor(g, device=device)].mean(0) for g in mapping.groups])
    lo = torch.as_tensor(mapping.lo, device=device)
    hi = torch.as_tensor(mapping.hi, device=device)
    alpha = torch.as_tensor(mapping.alpha, device=device, dtype=per_unique.dtype)
    alpha = alpha.view(-1, *([1] * (per_unique.dim() - 1)))
    return per_unique[lo] * (1 - alpha) + per_unique[hi] * alpha


def normalise(
    maps: torch.Tensor, how: Normalisation, scale: float | torch.Tensor | None = None, *, dims: int = 3
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalise maps whose last ``dims`` axes are one map; returns (maps, the divisor used).

    - ``clip``: each map divided by its own maximum, so every clip uses the full colour range
      (comparisons between clips are meaningless).
    - ``dataset``: every map divided by one ``scale`` computed over a dataset (see
      ``dataset_scale``), so brightness is comparable between clips; values may exceed 1.
    - ``raw``: unchanged (divisor 1), in the units of Eq. 2.
    An all-zero map stays zero rather than dividing by zero.
    """
    if how == "clip":
        peak = maps.flatten(-dims).amax(-1)
        divisor = torch.where(peak > 0, peak, torch.ones_like(peak))
        return maps / divisor.view(*divisor.shape, *([1] * dims)), divisor
    if how == "dataset":
        if scale is None:
            raise ValueError("dataset normalisation needs the dataset's scale (see dataset_scale)")
        s = torch.as_tensor(scale, dtype=maps.dtype, device=maps.device)
        if torch.any(s <= 0):
            raise ValueError(f"dataset scale must be positive, got {scale}")
        return maps / s, s.expand(maps.shape[: maps.dim() - dims]).clone()
    check(how)  # raw, or a message naming the choices
    return maps, torch.ones(maps.shape[: maps.dim() - dims], dtype=maps.dtype, device=maps.device)


def dataset_scale(peaks: np.ndarray | torch.Tensor, quantile: float = 0.99) -> float:
    """One divisor for a dataset: a high quantile of per-map maxima, robust to a few outliers."""
    values = torch.as_tensor(peaks, dtype=torch.float64).flatten()
    values = values[values > 0]
    if values.numel() == 0:
        return 1.0
    return float(torch.quantile(values, quantile))
