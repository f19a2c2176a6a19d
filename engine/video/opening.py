"""Opening a video file, with one clear error for everything that is not a readable video stream.

Kept apart from the reader so the header-only helpers (size, frame rate) and the decode pass open
files the same way, and so a folder, an empty file or random bytes always end as a ``VideoError``
naming the file, never as a decoder exception.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import av

from cabinlens.engine.video.damage import Damage
from cabinlens.engine.video.errors import VideoError


@dataclass(frozen=True)
class VideoInfo:
    """What a user needs to know about a video before using it."""

    path: str
    codec: str
    width: int
    height: int
    fps: float
    frame_count: int  # frames that sequential decoding yields
    container_frame_count: int  # what the container header claims (0 = unknown)
    duration_s: float
    keyframes: int
    max_gop: int
    pixel_format: str
    truncated: bool
    problem: str | None
    damaged: bool = False
    damage: Damage = field(default_factory=Damage)

    def to_dict(self) -> dict:
        return asdict(self)


def video_info(path: Path, stream: av.video.stream.VideoStream, frame_count: int, keyframes: int, max_gop: int,
               truncated: bool, problem: str | None, damage: Damage) -> VideoInfo:
    """The info of an opened stream, given what its frame table and damage say."""
    cc = stream.codec_context
    fps = fps_of(stream)
    return VideoInfo(
        path=str(path), codec=cc.name, width=cc.width, height=cc.height, fps=fps, frame_count=frame_count,
        container_frame_count=int(stream.frames or 0), duration_s=frame_count / fps if fps else 0.0,
        keyframes=keyframes, max_gop=max_gop, pixel_format=str(cc.pix_fmt), truncated=truncated,
        problem=problem, damaged=damage.damaged, damage=damage,
    )


#: Files of model checkpoints and Hugging Face model folders: given where a video goes, they are named as such.
MODEL_SUFFIXES = (".pt", ".pth", ".ckpt", ".safetensors")


def open_video(path: Path, hwaccel=None) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    """The container and its first video stream, or a ``VideoError`` saying why not.

    ``hwaccel``: PyAV's hardware acceleration for the stream's decoder (``engine.video.hardware``).
    """
    if not path.exists():
        raise VideoError(path, "file not found")
    if path.is_dir():
        if (path / "config.json").is_file():  # the mistake of giving a model where a video goes
            raise VideoError(path, "is a model folder (config.json: a Hugging Face model), not a video file")
        raise VideoError(path, "is a folder, not a video file")
    try:
        if path.stat().st_size == 0:
            raise VideoError(path, "the file is empty (0 bytes)")
        options = {"hwaccel": hwaccel} if hwaccel is not None else {}
        container = av.open(str(path), mode="r", metadata_errors="ignore", **options)
    except av.FFmpegError as exc:
        if path.suffix.lower() in MODEL_SUFFIXES or path.name == "config.json":
            raise VideoError(path, "is a model's file, not a video file") from None
        raise VideoError(path, f"not a readable video ({exc.__class__.__name__}: {exc.strerror or exc})") from None
    except (OSError, ValueError, UnicodeError) as exc:
        raise VideoError(path, f"cannot be read: {exc}") from None
    try:
        videos = container.streams.video
        stream = videos[0] if videos else None
        if stream is None:
            raise VideoError(path, "has no video stream")
        if stream.codec_context is None or not stream.codec_context.width:
            raise VideoError(path, "the video stream has no decodable codec or no frame size")
    except BaseException:
        container.close()
        raise
    return container, stream


def fps_of(stream: av.video.stream.VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def frame_size(path: str | Path) -> tuple[int, int]:
    """(height, width) of a video's frames from its header: no packet index, no decoding."""
    container, stream = open_video(Path(path))
    with container:
        return int(stream.codec_context.height), int(stream.codec_context.width)


def frame_rate_of(path: str | Path) -> float:
    """A video's frame rate from its header alone (``probe`` reads every packet to count frames)."""
    container, stream = open_video(Path(path))
    try:
        return fps_of(stream)
    finally:
        container.close()
