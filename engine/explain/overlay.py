"""Draw a CAM over the original frame it explains, where the model actually looked.

The map lives in the model's input geometry (after resize and centre crop); ``region`` says where
that input lies in the original frame (``engine.models.spec.input_region``), so the overlay lines
up with the video and the cropped-away borders stay visibly unexplained (dimmed).
"""

from __future__ import annotations

import cv2
import numpy as np

COLORMAPS = {"jet": cv2.COLORMAP_JET, "turbo": cv2.COLORMAP_TURBO, "inferno": cv2.COLORMAP_INFERNO,
             "viridis": cv2.COLORMAP_VIRIDIS}


def heat_colours(cam: np.ndarray, colormap: str = "jet") -> np.ndarray:
    """(h, w) map, 0..1 (values above 1 saturate) -> (h, w, 3) RGB uint8 colours."""
    level = np.clip(np.nan_to_num(cam, nan=0.0), 0.0, 1.0)
    bgr = cv2.applyColorMap((level * 255).round().astype(np.uint8), COLORMAPS[colormap])
    return bgr[..., ::-1]


def overlay(
    frame: np.ndarray,
    cam: np.ndarray,
    region: tuple[float, float, float, float] | None = None,
    *,
    alpha: float = 0.45,
    dim_outside: float = 0.5,
    colormap: str = "jet",
) -> np.ndarray:
    """Blend ``cam`` (h, w; 0..1) into ``frame`` (H, W[, 3] uint8) inside ``region`` -> RGB uint8."""
    if frame.ndim == 2:
        frame = np.repeat(frame[..., None], 3, axis=2)
    height, width = frame.shape[:2]
    top, left, rh, rw = region if region is not None else (0.0, 0.0, float(height), float(width))
    y0, x0 = int(round(top)), int(round(left))
    y1, x1 = min(height, int(round(top + rh))), min(width, int(round(left + rw)))
    out = (frame.astype(np.float32) * dim_outside).astype(np.uint8)
    if y1 <= y0 or x1 <= x0:
        return out
    resized = cv2.resize(np.asarray(cam, dtype=np.float32), (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    inside = frame[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = (inside * (1 - alpha) + heat_colours(resized, colormap).astype(np.float32) * alpha).round().astype(np.uint8)
    return out
