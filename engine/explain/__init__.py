"""Explanations: 3D Grad-CAM in space and time (paper Eq. 1-2), per-frame maps and overlays.

The torch-based classes load on first use, so the numpy-only parts (``overlay``, ``frame_cam``)
can be used by the application before torch is imported.
"""

from __future__ import annotations

__all__ = ["CamResult", "GradCam", "LayerShapeError"]


def __getattr__(name: str):
    if name in __all__:
        from cabinlens.engine.explain import gradcam

        return getattr(gradcam, name)
    raise AttributeError(f"module 'cabinlens.engine.explain' has no attribute {name!r}")
