"""Draw a CAM over the original frame it explains, where the model actually looked.

The map lives in the model's input geometry (after resize and centre crop); ``region`` says where
that input lies in the original frame (``engine.models.spec.input_region``), so the overlay lines
up with the video and the cropped-away borders stay visibly unexplained (dimmed). Its look is a
heat map blended over the frame or iso-lines over the untouched frame (``overlay_looks``); the
evidence boxes of a dataset's evidence file can be outlined on top (``draw_boxes``).
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from cabinlens.engine.explain.evidence import Box
from cabinlens.engine.explain.overlay_looks import CONTOUR_LEVELS, check

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


def colour_ramp(colormap: str = "jet") -> np.ndarray:
    """(256, 3) RGB uint8: the colour of level 0 (map value 0) up to 255 (value 1 and above), for a colour bar."""
    return _rgb_lut(colormap)[:, 0].copy()


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
    look: str = "heat",
    levels: tuple[float, ...] = CONTOUR_LEVELS,
) -> np.ndarray:
    """Blend ``cam`` (h, w; 0..1) into ``frame`` (H, W[, 3] uint8) inside ``region`` -> RGB uint8.

    ``look`` "heat" blends the colours at ``alpha``; "contours" draws the iso-lines at ``levels`` over
    the frame and leaves every other pixel of the region as it was (``alpha`` unused).
    OpenCV's uint8 arithmetic (rounding, saturating) rather than float arrays: this runs for every
    shown and every exported frame. ``out`` (H, W, 3), e.g. a view into a larger canvas, receives
    the result without a copy.
    """
    check(look)
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
    levels_img = cv2.resize(cv2.convertScaleAbs(_clean(cam), alpha=255), (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    if look == "contours":
        inside = out[y0:y1, x0:x1]
        inside[:] = frame[y0:y1, x0:x1]
        _draw_contours(inside, levels, cam_levels=levels_img, colormap=colormap)
        return out
    heat = cv2.applyColorMap(levels_img, _rgb_lut(colormap))
    cv2.addWeighted(frame[y0:y1, x0:x1], 1 - alpha, heat, alpha, 0.0, dst=out[y0:y1, x0:x1])
    return out


def line_width(height: int, width: int) -> int:
    """Pixels across a drawn line: about 1/160 of the shorter side, so it stays visible once the
    frame is scaled to the player's size, and is never thinner than one pixel."""
    return max(1, round(min(height, width) / 160))


def _draw_contours(image: np.ndarray, levels: tuple[float, ...], *, cam_levels: np.ndarray, colormap: str) -> None:
    """Iso-lines of ``cam_levels`` (uint8 levels, 255 = full colour) at ``levels`` into ``image``.

    A line is the inner edge of the region at or above its level (the image's own border is not an
    edge), widened to ``line_width``; pixels off the lines are not touched."""
    lut = _rgb_lut(colormap)
    width = line_width(*image.shape[:2])
    square = np.ones((3, 3), np.uint8)
    widen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)) if width > 1 else None
    for level in sorted(levels):
        step = min(255, max(1, int(round(level * 255))))
        mask = (cam_levels >= step).view(np.uint8)
        if not mask.any() or mask.all():
            continue
        edge = cv2.subtract(mask, cv2.erode(mask, square, borderType=cv2.BORDER_REPLICATE))
        if widen is not None:
            edge = cv2.dilate(edge, widen)
        image[edge.astype(bool)] = lut[step, 0]


EVIDENCE_RGB = (255, 255, 255)
DISTRACTOR_RGB = (255, 0, 255)


def draw_boxes(image: np.ndarray, boxes: Iterable[Box]) -> np.ndarray:
    """Outline evidence boxes (white) and distractor boxes (magenta) in ``image`` (H, W, 3 RGB, in
    frame pixels, x1/y1 exclusive), in place. The outline lies just inside the box with a one-pixel
    black rim outside it, so it shows on bright and dark frames alike; returns ``image``."""
    height, width = image.shape[:2]
    t = line_width(height, width)
    for box in boxes:
        colour = EVIDENCE_RGB if box.role == "evidence" else DISTRACTOR_RGB
        x0, y0, x1, y1 = max(0, box.x0), max(0, box.y0), min(width, box.x1), min(height, box.y1)
        if x1 <= x0 or y1 <= y0:
            continue
        rim = image[max(0, y0 - 1): y1 + 1, max(0, x0 - 1): x1 + 1]
        rim[[0, -1], :] = 0
        rim[:, [0, -1]] = 0
        inner = image[y0:y1, x0:x1]
        inner[:t] = colour
        inner[-t:] = colour
        inner[:, :t] = colour
        inner[:, -t:] = colour
    return image


def fit_within(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` shrunk (area averaging) to fit a (width, height) screen area, aspect kept; as is if it fits.

    The player shows a 1280x1024 frame in a canvas of about half its size: shrinking it where it is
    composed (the frame thread) leaves the GUI thread a 1:1 copy instead of a smooth rescale of
    four megabytes on every frame.
    """
    h, w = image.shape[:2]
    width, height = size
    scale = min(width / w, height / h)
    if scale >= 1 or width < 1 or height < 1:
        return image
    out = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, out, interpolation=cv2.INTER_AREA)
