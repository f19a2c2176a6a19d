"""Explanations: 3D Grad-CAM in space and time (paper Eq. 1-2)."""

from engine.explain.gradcam import CamResult, GradCam, LayerShapeError

__all__ = ["CamResult", "GradCam", "LayerShapeError"]
