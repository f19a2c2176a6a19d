"""Where a model's input lies in an original frame (resize and centre crop); numpy-free, torch-free."""

from __future__ import annotations


def resized_size(fh: int, fw: int, size: tuple[int, int], resize: str) -> tuple[int, int, int, int]:
    """(resized height, width, crop top, crop left) of a fh x fw frame for an input of ``size``."""
    h, w = size
    if resize == "stretch":
        return h, w, 0, 0
    scale = max(h / fh, w / fw)
    rh, rw = max(h, round(fh * scale)), max(w, round(fw * scale))
    return rh, rw, (rh - h) // 2, (rw - w) // 2


def input_region(frame_size: tuple[int, int], size: tuple[int, int], resize: str) -> tuple[float, float, float, float]:
    """The part of an original (height, width) frame the model sees: (top, left, height, width).

    In original pixels, so a map at the input size can be laid over the original frame exactly
    where it belongs (a centre crop cuts off the sides of a 5:4 frame, for instance).
    """
    fh, fw = frame_size
    h, w = size
    rh, rw, top, left = resized_size(fh, fw, size, resize)
    sy, sx = fh / rh, fw / rw
    return top * sy, left * sx, h * sy, w * sx
