"""Deletion and insertion curves in space-time (Petsiuk et al. 2018, RISE), for video.

Voxels of the input (frame, row, column; all channels together) are removed in the order a map
ranks them, a growing share at a time, and the softmax probability of the target class is
recorded: deletion replaces them with a baseline, insertion starts from the baseline and puts
them back. A faithful map's deletion curve falls fast (low area under the curve) and its
insertion curve rises fast (high area). Orders compared, on the same clips:

- ``cam``: the map, upsampled trilinearly from the layer's resolution;
- ``random``: a random map at the layer's resolution, upsampled the same way (random blocks of the
  map's own granularity, so the comparison is not one of coarse blocks against single pixels);
- ``evidence``: the voxels inside the evidence boxes first, then random blocks;
- ``random_boxes``: the same boxes moved by one random (circular) shift of the frame per clip.

Ties (a ReLU'd map is 0 in many cells) are broken by random values at the layer's resolution.
The baseline is the clip blurred beyond recognition: each frame average-pooled over 16 x 16
pixels, then averaged over time, so removed voxels lose both detail and motion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cabinlens.engine.explain.sanity.randomisation import MapMethod, gradcam_method

FRACTIONS = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
ORDERS = ("cam", "random", "evidence", "random_boxes")
BLUR = 16


def box_mask(boxes_per_frame: Sequence[Sequence], region: tuple[float, float, float, float],
             size: tuple[int, int]) -> np.ndarray:
    """(T, H, W) bool at the input's size: input pixels whose centres lie in one of that frame's boxes
    (boxes in original frame pixels with ``x0, y0, x1, y1``; ``region``: the part of the frame the
    model sees, (top, left, height, width))."""
    top, left, h, w = region
    rows, cols = size
    ys = top + (np.arange(rows) + 0.5) * h / rows
    xs = left + (np.arange(cols) + 0.5) * w / cols
    mask = np.zeros((len(boxes_per_frame), rows, cols), dtype=bool)
    for t, boxes in enumerate(boxes_per_frame):
        for b in boxes:
            mask[t] |= ((ys >= b.y0) & (ys < b.y1))[:, None] & ((xs >= b.x0) & (xs < b.x1))[None, :]
    return mask


def blurred(x: torch.Tensor, k: int = BLUR) -> torch.Tensor:
    """The baseline of (N, C, T, H, W) clips: spatially pooled over k x k, averaged over time."""
    n, c, t, h, w = x.shape
    frames = x.mean(2)
    small = F.avg_pool2d(frames, min(k, h, w), ceil_mode=True)
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)[:, :, None].expand(n, c, t, h, w)


def upsampled(maps: torch.Tensor, size: Sequence[int], generator: torch.Generator) -> torch.Tensor:
    """(N, T', H', W') -> (N, T, H, W) scores: ties broken at the map's own resolution."""
    m = maps.float()
    span = m.flatten(1).amax(1).clamp_min(1e-12).view(-1, 1, 1, 1)
    noise = torch.rand(m.shape, generator=generator, device="cpu").to(m.device)
    m = m / span + 1e-4 * noise
    return F.interpolate(m[:, None], size=tuple(size), mode="trilinear", align_corners=False)[:, 0]


def _positions(scores: torch.Tensor) -> torch.Tensor:
    """(N, ...) scores -> (N, L) rank of each voxel (0: removed first)."""
    flat = scores.flatten(1)
    order = flat.argsort(dim=1, descending=True)
    pos = torch.empty_like(order)
    pos.scatter_(1, order, torch.arange(flat.shape[1], device=flat.device).expand_as(order))
    return pos


@dataclass(frozen=True)
class FaithfulnessResult:
    """Curves per order: (N, F) probabilities of the target at each fraction removed (deletion) or put
    back (insertion); rows of clips without evidence are NaN for the box orders."""

    fractions: np.ndarray
    deletion: dict[str, np.ndarray]
    insertion: dict[str, np.ndarray]

    def auc(self, kind: str, order: str) -> np.ndarray:
        """(N,) area under each clip's curve over the fraction in [0, 1] (trapezoids)."""
        curves = (self.deletion if kind == "deletion" else self.insertion)[order]
        return np.trapezoid(curves, self.fractions, axis=1)

    def mean_auc(self, kind: str, order: str) -> float | None:
        values = self.auc(kind, order)
        values = values[~np.isnan(values)]
        return float(values.mean()) if values.size else None


def _probabilities(model, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(x).float().softmax(1).gather(1, targets[:, None])[:, 0]


def deletion_insertion(model, spec, clips: torch.Tensor, targets: Sequence[int] | torch.Tensor,
                       evidence: torch.Tensor | None = None, *, method: MapMethod | None = None,
                       fractions: Sequence[float] = FRACTIONS, batch_size: int = 8, seed: int = 0) -> FaithfulnessResult:
    """Curves of ``clips`` (normalised (N, 3, T, H, W) on the model's device) for ``targets``; ``evidence``:
    (N, T, H, W) bool masks at the input's size (a clip without any box gets NaN box curves)."""
    method = method or gradcam_method(spec)
    device = clips.device
    targets = torch.as_tensor(targets, device=device, dtype=torch.long)
    fractions = np.asarray(fractions, dtype=float)
    gen = torch.Generator().manual_seed(seed)
    n, _, t, h, w = clips.shape
    size = (t, h, w)
    maps = torch.cat([method(model, clips[i:i + batch_size], targets[i:i + batch_size]).detach()
                      for i in range(0, n, batch_size)])
    scores = {"cam": upsampled(maps, size, gen), "random": upsampled(torch.zeros_like(maps), size, gen)}
    has_boxes = np.zeros(n, dtype=bool)
    if evidence is not None:
        ev = evidence.to(device).float()
        has_boxes = ev.flatten(1).any(1).cpu().numpy()
        shifts = torch.randint(h // 4, 3 * h // 4 + 1, (n, 2), generator=gen)
        moved = torch.stack([ev[i].roll((int(s[0]), int(s[0] * w // h)), dims=(1, 2)) for i, s in enumerate(shifts)])
        blocks = upsampled(torch.zeros_like(maps), size, gen)  # below 1.0001: after every box voxel
        scores["evidence"], scores["random_boxes"] = ev * 2 + blocks, moved * 2 + blocks
    base = blurred(clips)
    ends = [torch.cat([_probabilities(model, v[i:i + batch_size], targets[i:i + batch_size]) for i in range(0, n, batch_size)])
            for v in (clips, base)]
    full, empty = (e.cpu().numpy() for e in ends)
    deletion, insertion = {}, {}
    total = t * h * w
    for order, s in scores.items():
        pos = _positions(s).view(n, 1, t, h, w)
        dele, ins = np.empty((n, len(fractions))), np.empty((n, len(fractions)))
        for j, frac in enumerate(fractions):
            if frac <= 0 or frac >= 1:
                dele[:, j], ins[:, j] = (full, empty) if frac <= 0 else (empty, full)
                continue
            k = int(round(frac * total))
            got_d, got_i = [], []
            for i in range(0, n, batch_size):
                x, b, removed = clips[i:i + batch_size], base[i:i + batch_size], pos[i:i + batch_size] < k
                y = targets[i:i + batch_size]
                got_d.append(_probabilities(model, torch.where(removed, b, x), y))
                got_i.append(_probabilities(model, torch.where(removed, x, b), y))
            dele[:, j], ins[:, j] = torch.cat(got_d).cpu().numpy(), torch.cat(got_i).cpu().numpy()
        if order in ("evidence", "random_boxes"):
            dele[~has_boxes], ins[~has_boxes] = np.nan, np.nan
        deletion[order], insertion[order] = dele, ins
    return FaithfulnessResult(fractions, deletion, insertion)
