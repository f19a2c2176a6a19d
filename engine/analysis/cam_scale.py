"""How a Grad-CAM map becomes colours: per clip, per dataset, or raw (DESIGN: an explicit choice).

- ``clip``: divided by the clip's own maximum. Every clip uses the whole colour range, so it shows
  *where* a model looked, but a faint map and a strong one look alike.
- ``dataset``: divided by one number per model, the 99th percentile of the top-1 maps' maxima over
  every clip the model has analysed in the project (all its runs with the same checkpoint, CAM
  layer and mode, so a session sweep and the test split share it). Brightness then compares
  between clips; the strongest 1% saturate.
- ``raw``: the values of Eq. 2 as they are (colours saturate at 1).

The stored maps are at the layer's resolution and the overlay only interpolates between them, so
a stored map's maximum is the maximum of every frame drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cabinlens.engine.analysis.store import Store
from cabinlens.engine.explain.normalisation import LABELS, check

QUANTILE = 0.99
#: A sweep still filling in: the dataset divisor is recomputed once the model's analysed clips grew by this share.
REFRESH_GROWTH = 0.10


@dataclass(frozen=True)
class CamScale:
    """The dataset divisor of one model and what it was computed from."""

    divisor: float
    clips: int  # top-1 maps it comes from
    runs: tuple[int, ...]
    quantile: float = QUANTILE

    def describe(self) -> str:
        if not self.clips:
            return "normalised per dataset (no analysed clips yet: ÷ 1)"
        return f"normalised per dataset (÷ {self.divisor:.3g}: {self.quantile * 100:.0f}th percentile of {self.clips} clips' maxima)"


def same_model_runs(store: Store, run_id: int) -> tuple[int, ...]:
    """Runs whose CAMs are in the same units as ``run_id``'s: same weights, layer and CAM mode."""
    runs = store.runs()
    me = next((r for r in runs if r.id == run_id), None)
    if me is None:
        raise KeyError(f"no run {run_id} in {store.path}")
    return tuple(r.id for r in runs if (r.checkpoint_sha256, r.cam_layer, r.cam_mode)
                 == (me.checkpoint_sha256, me.cam_layer, me.cam_mode))


def model_runs(store: Store, checkpoint_sha256: str, cam_layer: str, cam_mode: str) -> tuple[int, ...]:
    """The project's runs of one model's weights with this CAM layer and mode (for a CAM made
    outside the project, e.g. by ``cabinlens cam``, to borrow the project's dataset divisor)."""
    return tuple(r.id for r in store.runs()
                 if (r.checkpoint_sha256, r.cam_layer, r.cam_mode) == (checkpoint_sha256, cam_layer, cam_mode))


def cam_scale(store: Store, run_id: int, quantile: float = QUANTILE) -> CamScale:
    """The dataset divisor for ``run_id``'s maps: a high quantile of its model's top-1 maxima, so a
    few outliers do not set it (empty maps are left out; none at all gives 1)."""
    return runs_scale(store, same_model_runs(store, run_id), quantile)


def runs_scale(store: Store, runs: tuple[int, ...], quantile: float = QUANTILE) -> CamScale:
    """The dataset divisor over the top-1 maps of ``runs`` (runs in the same units)."""
    peaks = store.cam_peaks(runs, slot=0)
    positive = peaks[peaks > 0]
    divisor = float(np.quantile(positive, quantile)) if positive.size else 1.0
    return CamScale(divisor, int(peaks.size), runs, quantile)


class CamScales:
    """Dataset divisors per model, recomputed as a sweep adds clips. One per thread, like its store
    (a frame source, an export)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], CamScale] = {}  # (project, run) -> scale

    def get(self, store: Store, run_id: int) -> CamScale:
        key = (str(store.path), run_id)
        known = self._known.get(key)
        if known is not None:
            count = store.result_count(known.runs)
            if count <= known.clips * (1 + REFRESH_GROWTH) and not (known.clips == 0 and count):
                return known
        scale = cam_scale(store, run_id)
        for run in scale.runs:
            self._known[(key[0], run)] = scale
        return scale

    def resolve(self, store: Store, run_id: int, how: str, clip_peak: float) -> tuple[float, str]:
        """What to divide run ``run_id``'s map by under normalisation ``how``, and how to say it."""
        if check(how) == "clip":
            return (clip_peak if clip_peak > 0 else 1.0), describe(how)
        if how == "raw":
            return 1.0, describe(how)
        scale = self.get(store, run_id)
        return scale.divisor, describe(how, scale)

    def divisor(self, store: Store, run_id: int, how: str, clip_peak: float) -> float:
        return self.resolve(store, run_id, how, clip_peak)[0]


def describe(how: str, scale: CamScale | None = None) -> str:
    """The words the window and the exports use for a normalisation (with the divisor, for a dataset)."""
    if how == "dataset" and scale is not None:
        return scale.describe()
    if check(how) == "raw":
        return "raw (Eq. 2 values, full colour at 1 and above)"
    return f"normalised {LABELS[how]}"
