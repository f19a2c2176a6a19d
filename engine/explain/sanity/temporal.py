"""Time reversal: a video model that uses the order of frames must turn opening into closing.

In Drive&Act (and in the synthetic dataset, where each pair is one script played both ways)
opening/closing, fastening/unfastening, entering/exiting ... are the same movement in opposite
time order. Each clip of such a class is classified forwards and with its frames reversed; the
reversed clip should be predicted as the partner class. The per-time Grad-CAM (weights per time
slice) must follow: the time profile of the partner's map on the reversed clip, reversed again,
should match the true class's profile on the forward clip better than unreversed (undecided
when the two are equally close, e.g. with one time slice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from cabinlens.engine.explain.gradcam import GradCam


def reversed_partners(classes: Sequence[str], pairs: Mapping[str, str] | None = None) -> dict[int, int]:
    """Class index -> its time-reversed partner's index, both ways, for pairs whose classes are both known
    (default pairs: the synthetic dataset's, which are Drive&Act's own class names)."""
    if pairs is None:
        from cabinlens.engine.data.synth.activities import REVERSED as pairs
    index = {name: k for k, name in enumerate(classes)}
    out = {}
    for a, b in pairs.items():
        if a in index and b in index:
            out[index[a]], out[index[b]] = index[b], index[a]
    return out


@dataclass(frozen=True)
class ReversalResult:
    """Per clip: its class, its partner, top-1 forwards and reversed, the partner's probability reversed,
    and whether the per-time map followed the reversal (1, 0, or NaN when undecided)."""

    labels: np.ndarray
    partners: np.ndarray
    forward: np.ndarray
    reversed: np.ndarray
    partner_prob: np.ndarray
    follows: np.ndarray

    def per_class(self) -> list[dict]:
        """One row per class present: clips, right forwards, reversed to the partner, changed, maps followed
        (shares in [0, 1]; ``follows`` None when no clip decided it)."""
        rows = []
        for c in np.unique(self.labels):
            m = self.labels == c
            decided = self.follows[m][~np.isnan(self.follows[m])]
            rows.append({"class": int(c), "partner": int(self.partners[m][0]), "clips": int(m.sum()),
                         "right_forward": float(np.mean(self.forward[m] == c)),
                         "to_partner": float(np.mean(self.reversed[m] == self.partners[m])),
                         "changed": float(np.mean(self.reversed[m] != self.forward[m])),
                         "partner_prob": float(np.mean(self.partner_prob[m])),
                         "follows": float(decided.mean()) if decided.size else None})
        return rows

    @property
    def to_partner(self) -> float:
        return float(np.mean(self.reversed == self.partners))


def _profile(maps: torch.Tensor) -> torch.Tensor:
    """(B, T', H', W') -> (B, T') share of each time slice in the map's mass."""
    p = maps.flatten(2).sum(2)
    return p / p.sum(1, keepdim=True).clamp_min(1e-12)


def time_reversal(model, spec, clips: torch.Tensor, labels: Sequence[int] | torch.Tensor, partners: Mapping[int, int], *,
                  batch_size: int = 8, layer: str | None = None) -> ReversalResult:
    """Classify ``clips`` (normalised (N, 3, T, H, W) on the model's device, each of a class with a partner in
    ``partners``) forwards and reversed in time, with per-time Grad-CAM of the true class forwards and of
    the partner reversed."""
    labels = torch.as_tensor(labels, device=clips.device, dtype=torch.long)
    partner = torch.tensor([partners[int(c)] for c in labels.tolist()], device=clips.device, dtype=torch.long)
    cam = GradCam.for_spec(model, spec, layer)
    out: dict[str, list[torch.Tensor]] = {k: [] for k in ("fwd", "rev", "prob", "follows")}
    for i in range(0, len(clips), batch_size):
        x, y, z = clips[i:i + batch_size], labels[i:i + batch_size], partner[i:i + batch_size]
        f = cam(x, y, mode="time")
        r = cam(x.flip(2), z, mode="time")
        p, q = _profile(f.maps[:, 0]), _profile(r.maps[:, 0])
        away, back = (p - q).abs().sum(1), (p - q.flip(1)).abs().sum(1)
        decided = (away - back).abs() > 1e-3
        follows = torch.where(decided, (back < away).float(), torch.full_like(away, float("nan")))
        out["fwd"].append(f.logits.argmax(1))
        out["rev"].append(r.logits.argmax(1))
        out["prob"].append(r.logits.softmax(1).gather(1, z[:, None])[:, 0])
        out["follows"].append(follows)
    cat = {k: torch.cat(v).cpu().numpy() for k, v in out.items()}
    return ReversalResult(labels.cpu().numpy(), partner.cpu().numpy(), cat["fwd"], cat["rev"], cat["prob"], cat["follows"])
