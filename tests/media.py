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


def ffmpeg_frames(path: Path, fmt: str = "rgb24") -> list[np.ndarray]:
    """Reference decode of a damaged file, as the ffmpeg tool decodes it: in order, one thread, no
    seeking; a packet the decoder rejects is skipped (PyAV's ``container.decode`` raises at the first
    one instead), empty packets are never fed, a demuxing error ends the stream."""
    frames: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets, None)
            except av.FFmpegError:
                packet = None
            if packet is not None and packet.size == 0 and (packet.pts is not None or packet.dts is not None):
                continue
            end = packet is None or packet.size == 0
            try:
                decoded = stream.decode(None if end else packet)
            except av.FFmpegError:
                decoded = []
            frames.extend(f.to_ndarray(format=fmt) for f in decoded)
            if end:
                return frames


def write_mpeg4_avi(path: Path, n: int = 120, width: int = 160, height: int = 120, gop: int = 12,
                    bframes: int = 0, seed: int = 0) -> Path:
    """An MPEG-4 part 2 AVI (the codec and container of many damaged files in the wild)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": str(gop), "bf": str(bframes)}
        _encode_all(out, stream, synthetic_frames(n, width, height, seed))
    return path


def remux_without(src: Path, dst: Path, drop: set[int]) -> Path:
    """Copy the video stream, leaving out the packets at demux positions ``drop`` (lost in transfer)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        k = 0
        for packet in inp.demux(ist):
            if packet.dts is None or packet.size == 0:
                continue
            if k not in drop:
                packet.stream = ost
                out.mux(packet)
            k += 1
    return dst


def packet_spans(path: Path) -> list[tuple[int, int, bool]]:
    """(byte offset, size, keyframe) of every video packet's payload in the file, in demux order."""
    data = path.read_bytes()
    spans = []
    with av.open(str(path)) as container:
        for packet in container.demux(video=0):
            if packet.size == 0:
                continue
            offset = data.find(bytes(packet), packet.pos or 0)
            assert offset >= 0, "packet payload not found in the file"
            spans.append((offset, packet.size, bool(packet.is_keyframe)))
    return spans


def corrupt_packets(path: Path, damage: dict[int, str], seed: int = 0) -> Path:
    """Overwrite packets in place (sizes kept), by demux position: ``random`` fills the whole payload
    with noise (no picture start code left), ``middle`` its middle third, ``blank`` everything after
    the first 4 bytes with zeros (an MPEG-4 VOP start code followed by an uncoded, empty header)."""
    spans = packet_spans(path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    for k, mode in damage.items():
        offset, size, _ = spans[k]
        a, b = {"random": (0, size), "middle": (size // 3, 2 * size // 3), "blank": (4, size)}[mode]
        fill = bytes(b - a) if mode == "blank" else rng.integers(0, 256, b - a, dtype=np.uint8).tobytes()
        data[offset + a : offset + b] = fill
    path.write_bytes(bytes(data))
    return path


def write_h264_with_audio(path: Path, n: int = 240, width: int = 192, height: int = 160, gop: int = 120,
                          bframes: int = 2, fps: int = 30, seed: int = 0) -> Path:
    """H.264 (long GOP, B-frames) muxed with an AAC sound track, as phone and dashcam files are."""
    rate = 48000
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"g": str(gop), "keyint_min": str(gop), "bf": str(bframes), "sc_threshold": "0",
                         "preset": "veryfast", "crf": "26"}
        audio = out.add_stream("aac", rate=rate)
        tone = np.sin(np.arange(rate * n // fps) * 2 * np.pi * 440 / rate).astype(np.float32)[None, :] * 0.1
        pos, step = 0, 1024
        for i, gray in enumerate(synthetic_frames(n, width, height, seed)):
            frame = av.VideoFrame.from_ndarray(np.repeat(gray[..., None], 3, axis=2), format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
            while pos < tone.shape[1] and pos < (i + 1) * rate // fps:
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, pos : pos + step]), format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = rate, pos
                for packet in audio.encode(chunk):
                    out.mux(packet)
                pos += step
        for stream in (video, audio):
            for packet in stream.encode():
                out.mux(packet)
    return path
