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
    return _colours(_clean(cam), colormap)


def _clean(cam: np.ndarray) -> np.ndarray:
    """The map without NaN, negatives or infinities (large values saturate later)."""
    cam = np.asarray(cam, dtype=np.float32)
    return np.where(cam > 0, np.minimum(cam, np.float32(1e6)), np.float32(0))  # NaN > 0 is False


_RGB_LUTS: dict[str, np.ndarray] = {}


def _rgb_lut(colormap: str) -> np.ndarray:
    """OpenCV's colour map as a (256, 1, 3) table in RGB order, so no BGR->RGB pass is needed."""
    lut = _RGB_LUTS.get(colormap)
    if lut is None:
        ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
        lut = _RGB_LUTS[colormap] = np.ascontiguousarray(cv2.applyColorMap(ramp, COLORMAPS[colormap])[..., ::-1])
    return lut


def _colours(clean: np.ndarray, colormap: str) -> np.ndarray:
    """Colours of a map without NaN or negatives: saturating uint8 levels through the colour table."""
    return cv2.applyColorMap(cv2.convertScaleAbs(clean, alpha=255), _rgb_lut(colormap))


def overlay(
    frame: np.ndarray,
    cam: np.ndarray,
    region: tuple[float, float, float, float] | None = None,
    *,
    alpha: float = 0.45,
    dim_outside: float = 0.5,
    colormap: str = "jet",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Blend ``cam`` (h, w; 0..1) into ``frame`` (H, W[, 3] uint8) inside ``region`` -> RGB uint8.

    OpenCV's uint8 arithmetic (rounding, saturating) rather than float arrays: this runs for every
    shown and every exported frame. ``out`` (H, W, 3), e.g. a view into a larger canvas, receives
    the result without a copy.
    """
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    height, width = frame.shape[:2]
    top, left, rh, rw = region if region is not None else (0.0, 0.0, float(height), float(width))
    y0, x0 = max(0, int(round(top))), max(0, int(round(left)))
    y1, x1 = min(height, int(round(top + rh))), min(width, int(round(left + rw)))
    if out is None:
        out = np.empty_like(frame)
    if y1 <= y0 or x1 <= x0:
        out[:] = cv2.convertScaleAbs(frame, alpha=dim_outside)
        return out
    for ys, xs in ((slice(0, y0), slice(None)), (slice(y1, None), slice(None)),
                   (slice(y0, y1), slice(0, x0)), (slice(y0, y1), slice(x1, None))):
        part = frame[ys, xs]
        if part.size:  # the cropped-away borders, dimmed
            out[ys, xs] = cv2.convertScaleAbs(part, alpha=dim_outside)
    # Levels are quantised at the map's own (small) size and interpolated as uint8: within one
    # level of interpolating floats, at a quarter of the memory traffic.
    levels = cv2.resize(cv2.convertScaleAbs(_clean(cam), alpha=255), (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(levels, _rgb_lut(colormap))
    cv2.addWeighted(frame[y0:y1, x0:x1], 1 - alpha, heat, alpha, 0.0, dst=out[y0:y1, x0:x1])
    return out
