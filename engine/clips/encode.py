"""Browser-playable MP4: H.264 High profile, yuv420p, the index (moov) at the front.

Why these settings: browsers play H.264 only in 8-bit 4:2:0, and ``+faststart`` lets a page
start playing before the whole file has arrived.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20", "profile": "high"}


def frame_rate(fps: float) -> Fraction:
    """The container rate for ``fps``: exact for integer and NTSC rates (29.97 -> 30000/1001)."""
    for base in (1, 1001):
        rate = Fraction(round(fps * base), base)
        if rate > 0 and abs(float(rate) - fps) < 1e-3:
            return rate
    return Fraction(fps).limit_denominator(1001)


class Mp4Writer:
    """Encodes RGB frames of one size to ``path``; ``close`` flushes the encoder and the index."""

    def __init__(self, path: str | Path, width: int, height: int, fps: float, options: dict | None = None) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"yuv420p needs even sizes, got {width}x{height}")
        self.path = Path(path)
        self.size = (height, width)
        self.frames = 0
        self._out = av.open(str(self.path), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            self._stream = self._out.add_stream("libx264", rate=frame_rate(fps))
            self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, "yuv420p"
            self._stream.options = dict(options or ENCODER_OPTIONS)
        except BaseException:
            self._out.close()
            raise

    def write(self, rgb: np.ndarray) -> None:
        if rgb.shape[:2] != self.size:
            raise ValueError(f"frame of {rgb.shape[1]}x{rgb.shape[0]} for a {self.size[1]}x{self.size[0]} video")
        # OpenCV's conversion is BT.601 limited range like FFmpeg's default, but threaded and fast.
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        frame.pts = self.frames
        self.frames += 1
        for packet in self._stream.encode(frame):
            self._out.mux(packet)

    def close(self) -> None:
        """Flush and close (on success); after an error, ``abandon`` instead."""
        try:
            for packet in self._stream.encode():
                self._out.mux(packet)
        finally:
            self._out.close()

    def abandon(self) -> None:
        self._out.close()
