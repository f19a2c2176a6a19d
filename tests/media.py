"""Test media made on the fly: H.264 with long GOPs and B-frames, lying containers, damaged files."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def synthetic_frames(n: int, width: int, height: int, seed: int = 0):
    """Distinct frames: moving shapes, a frame counter in blocks, and sensor-like noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = (xx * 100.0 / width + yy * 50.0 / height).astype(np.float32)
    for i in range(n):
        img = base.copy()
        cx = width / 2 + width / 3 * np.sin(i / 9)
        cy = height / 2 + height / 3 * np.cos(i / 13)
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < (height / 6) ** 2] += 110
        for bit in range(10):  # frame number as bright/dark blocks along the top edge
            if (i >> bit) & 1:
                img[2:10, 4 + bit * 12 : 12 + bit * 12] += 120
        img += rng.normal(0, 4, img.shape).astype(np.float32)
        yield np.clip(img, 0, 255).astype(np.uint8)


def write_h264(
    path: Path,
    n: int = 240,
    width: int = 192,
    height: int = 160,
    gop: int = 120,
    bframes: int = 3,
    fps: int = 30,
    faststart: bool = False,
    seed: int = 0,
    container_options: dict | None = None,
) -> Path:
    """An H.264 file with a fixed GOP and B-frames (the hard case for frame-exact seeking)."""
    options = {"movflags": "+faststart"} if faststart else {}
    options.update(container_options or {})
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {
            "g": str(gop), "keyint_min": str(gop), "bf": str(bframes), "sc_threshold": "0",
            "preset": "veryfast", "crf": "26",
        }
        _encode_all(out, stream, synthetic_frames(n, width, height, seed))
    return path


def _encode_all(out, stream, grays) -> None:
    for gray in grays:
        frame = av.VideoFrame.from_ndarray(np.repeat(gray[..., None], 3, axis=2), format="rgb24")
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def write_mjpeg_avi(path: Path, n: int = 40, width: int = 96, height: int = 64) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        _encode_all(out, stream, synthetic_frames(n, width, height))
    return path


def lie_about_frame_count(avi: Path, claimed: int) -> None:
    """Overwrite the AVI headers' frame counts (avih dwTotalFrames, strh dwLength)."""
    data = bytearray(avi.read_bytes())
    avih = data.index(b"avih") + 8  # chunk id + size
    data[avih + 16 : avih + 20] = claimed.to_bytes(4, "little")
    strh = data.index(b"strh") + 8
    data[strh + 32 : strh + 36] = claimed.to_bytes(4, "little")
    avi.write_bytes(bytes(data))


def sequential_frames(path: Path, fmt: str = "rgb24") -> list[np.ndarray]:
    """Reference decode: every frame in order, single-threaded, no seeking."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format=fmt) for f in container.decode(video=0)]
