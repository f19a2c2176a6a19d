"""Spearman rank correlation and SSIM of batches of maps, computed on the maps' device.

Both take (N, ...) maps and return (N,) values. Ties get average ranks (Grad-CAM maps are
ReLU'd, so many cells are exactly 0). A constant map carries no ranking: its correlation is 0.
SSIM uses maps scaled to [0, 1] by their maximum (as Adebayo et al. do) and a uniform window of
up to 3 x 7 x 7 cells (smaller on small maps: a 2 x 4 x 4 map is compared in one window).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

C1, C2 = 0.01**2, 0.03**2  # Wang et al. 2004 with a data range of 1


def average_ranks(x: torch.Tensor) -> torch.Tensor:
    """(N, L) -> (N, L) ranks (0-based) with ties sharing their mean rank."""
    ordered, _ = x.sort(dim=1)
    lo = torch.searchsorted(ordered, x.contiguous(), right=False)
    hi = torch.searchsorted(ordered, x.contiguous(), right=True)
    return (lo + hi - 1).to(torch.float64) / 2


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Rank correlation of each pair of maps (flattened); 0 where either map is constant."""
    ra, rb = average_ranks(a.flatten(1).float()), average_ranks(b.flatten(1).float())
    ra, rb = ra - ra.mean(1, keepdim=True), rb - rb.mean(1, keepdim=True)
    den = (ra.square().sum(1) * rb.square().sum(1)).sqrt()
    return torch.where(den > 0, (ra * rb).sum(1) / den.clamp_min(1e-300), torch.zeros_like(den)).float()


def _unit(x: torch.Tensor) -> torch.Tensor:
    peak = x.flatten(1).amax(1).clamp_min(1e-12).view(-1, *([1] * (x.dim() - 1)))
    return (x / peak).clamp(0, 1)


def ssim(a: torch.Tensor, b: torch.Tensor, window: tuple[int, int, int] = (3, 7, 7)) -> torch.Tensor:
    """Mean SSIM of each pair of (N, T, H, W) maps, each scaled to [0, 1] by its maximum."""
    a, b = _unit(a.float())[:, None], _unit(b.float())[:, None]
    k = tuple(min(w, s) for w, s in zip(window, a.shape[2:], strict=True))
    mean = lambda x: F.avg_pool3d(x, k, stride=1)  # noqa: E731
    ma, mb = mean(a), mean(b)
    va, vb = mean(a * a) - ma * ma, mean(b * b) - mb * mb
    cov = mean(a * b) - ma * mb
    s = ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2))
    return s.flatten(1).mean(1)
