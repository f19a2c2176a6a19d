"""The Grad-CAM normalisations by name, without torch, so the window can offer them.

The maths lives in ``engine.explain.frames.normalise`` (torch, per-frame maps) and
``engine.analysis.cam_scale`` (numpy, stored maps in the window and exports).
"""

from __future__ import annotations

NORMALISATIONS: tuple[str, ...] = ("clip", "dataset", "raw")
LABELS = {"clip": "per clip", "dataset": "per dataset", "raw": "raw"}


def check(how: str) -> str:
    """``how`` itself, or a ValueError naming the choices."""
    if how not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {how!r}; choose from {', '.join(NORMALISATIONS)}")
    return how
