"""Frame-exact random and sequential access to a video file, built on PyAV (FFmpeg).

Why PyAV and not OpenCV: measured on a 1280x1024 H.264 file with a 300-frame GOP and B-frames,
OpenCV's ``CAP_PROP_POS_FRAMES`` seek costs as much as decoding everything from the keyframe and
cannot skip work, and OpenCV exposes neither timestamps nor the bitstream. With PyAV the reader:

- numbers frames by sorted presentation timestamps from a one-time demux (``packet_index``), so
  frame ``i`` is exactly the i-th frame of sequential decoding, whatever the container claims;
- seeks to the keyframe before the target and feeds the decoder only what the target needs:
  non-reference pictures far from the target are never decoded (about half of the packets);
- keeps the decoded (YUV) pictures near the target in a byte-bounded cache and converts a
  picture to numpy only when it is asked for, so stepping one frame back or forward (the
  scrubbing case) is a cache hit plus one conversion, and a jump pays for one conversion;
- keeps its decoder parked after the target, so reading forward continues instead of seeking.

All decoder state is guarded by one lock; sequential iteration opens its own decoder, so a long
read in one thread never blocks random access in another.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import av
import numpy as np

from cabinlens.engine.video.cache import FrameCache
from cabinlens.engine.video.errors import FrameIndexError, VideoError
from cabinlens.engine.video.packet_index import PacketIndex, build_packet_index

PixelFormat = Literal["rgb24", "bgr24", "gray"]

#: Frames before a random-access target that are decoded and cached even if disposable, so a
#: step backwards right after a jump is a cache hit.
BACK_WINDOW = 8
#: A miss just behind the last request means the user is stepping backwards: cache more.
BACK_WINDOW_STEPPING = 30
#: Frames after a target that are converted and cached when the decoder emits them anyway.
AHEAD_WINDOW = 4


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class VideoInfo:
    """What a user needs to know about a video before using it."""

    path: str
    codec: str
    width: int
    height: int
    fps: float
    frame_count: int  # frames that sequential decoding yields (from the packet index)
    container_frame_count: int  # what the container header claims (0 = unknown)
    duration_s: float
    keyframes: int
    max_gop: int
    pixel_format: str
    truncated: bool
    problem: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def _open(path: Path) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    if not path.exists():
        raise VideoError(path, "file not found")
    if path.is_dir():
        raise VideoError(path, "is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(path, "the file is empty (0 bytes)")
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise VideoError(path, f"not a readable video ({exc.__class__.__name__}: {exc.strerror or exc})") from None
    except OSError as exc:
        raise VideoError(path, f"cannot be read: {exc}") from None
    if not container.streams.video:
        container.close()
        raise VideoError(path, "has no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.width:
        container.close()
        raise VideoError(path, "the video stream has no decodable codec or no frame size")
    return container, stream


def frame_size(path: str | Path) -> tuple[int, int]:
    """(height, width) of a video's frames from its header: no packet index, no decoding."""
    container, stream = _open(Path(path))
    with container:
        return int(stream.codec_context.height), int(stream.codec_context.width)


def _fps(stream: av.video.stream.VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def frame_rate_of(path: str | Path) -> float:
    """A video's frame rate from its header alone (``probe`` reads every packet to count frames)."""
    container, stream = _open(Path(path))
    try:
        return _fps(stream)
    finally:
        container.close()


class VideoReader:
    """Random access and sequential reading of one video, frames numbered from 0.

    ``pixel_format`` is ``rgb24`` (H×W×3), ``bgr24`` (H×W×3) or ``gray`` (H×W); every call
    returns a new array, so callers may modify it.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        pixel_format: PixelFormat = "rgb24",
        cache_bytes: int = 256 * 2**20,
        threads: int = 0,
    ) -> None:
        self.path = Path(path)
        self.pixel_format = pixel_format
        self._threads = threads
        self._lock = threading.RLock()
        self.cache = FrameCache(cache_bytes)
        self._container, self._stream = _open(self.path)
        try:
            self.index: PacketIndex = build_packet_index(self._container, self._stream)
            if self.index.frame_count == 0:
                raise VideoError(self.path, "contains no video frames" + (f" ({self.index.problem})" if self.index.problem else ""))
            self._configure(self._stream, random_access=True)
            self.info = self._make_info()
        except BaseException:
            self._container.close()
            raise
        self._parked_at: int | None = None  # index of the last frame the decoder emitted
        self._packets: Iterator[av.Packet] | None = None
        self._drained = False
        self._last_request: int | None = None
        self._closed = False

    # ------------------------------------------------------------------ public API
    @property
    def frame_count(self) -> int:
        return self.index.frame_count

    def __len__(self) -> int:
        return self.index.frame_count

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._packets = None
                self._container.close()
                self.cache.clear()

    def frame(self, index: int) -> np.ndarray:
        """The pixels of frame ``index``, identical to what sequential decoding yields."""
        index = self._check(index)
        with self._lock:
            self._ensure_open()
            picture = self.cache.get(index)  # another thread may have decoded it meanwhile
            if picture is None:
                picture = self._decode_to(index, wanted={index})
            self._last_request = index
        return picture.to_ndarray(format=self.pixel_format)

    __getitem__ = frame

    def frames(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """Frames at ``indices`` (any order, repeats allowed) stacked as (T, H, W[, 3]).

        The distinct frames are decoded in one forward pass per GOP, skipping what none needs.
        """
        idx = [self._check(int(i)) for i in np.asarray(indices).ravel()]
        got: dict[int, av.VideoFrame] = {}
        with self._lock:
            self._ensure_open()
            todo = sorted(set(idx))
            wanted = set(todo)
            for i in todo:
                if i in got:
                    continue
                cached = self.cache.get(i)
                if cached is None:
                    cached = self._decode_to(i, wanted=wanted, sink=got)
                got[i] = cached
        arrays = {i: picture.to_ndarray(format=self.pixel_format) for i, picture in got.items()}
        return np.stack([arrays[i] for i in idx])

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(index, frame)`` for frames ``[start, stop)`` at full decoder speed.

        Uses a decoder of its own (threads: frame + slice), so it never blocks ``frame()``.
        """
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        if start >= stop:
            return
        start = self._check(start)
        container, stream = _open(self.path)
        try:
            self._configure(stream)
            key = self.index.keyframe_at_or_before(start)
            disposable = self.index.disposable
            if key > 0:
                container.seek(int(self.index.pts[key]), stream=stream, backward=True, any_frame=False)
            expected = key
            fmt = self.pixel_format
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size:
                    j = self.index.index_of_pts(packet.pts)
                    if j is not None and j < start and disposable[j]:
                        continue
                for frame in self._decode_packet(stream, packet, expected):
                    i = self._frame_index(frame, expected)
                    expected = i + 1
                    if i < start:
                        continue
                    if i >= stop:
                        return
                    yield i, frame.to_ndarray(format=fmt)
        finally:
            container.close()

    # ------------------------------------------------------------------ internals
    def _configure(self, stream: av.video.stream.VideoStream, *, random_access: bool = False) -> None:
        """Frame and slice threads; for random access one frame thread per usable core.

        FFmpeg's automatic count is cores + 1, which suits throughput. Each frame thread delays
        the output by one picture, so a jump pays for pictures decoded past its target: on two
        cores, two threads reach a random frame 5-13% sooner than three (tests/bench/bench_video.py).
        """
        stream.thread_type = "AUTO"
        if self._threads:
            stream.thread_count = self._threads
        elif random_access:
            stream.thread_count = usable_cores()

    def _make_info(self) -> VideoInfo:
        s = self._stream
        fps = _fps(s)
        return VideoInfo(
            path=str(self.path),
            codec=s.codec_context.name,
            width=s.codec_context.width,
            height=s.codec_context.height,
            fps=fps,
            frame_count=self.index.frame_count,
            container_frame_count=int(s.frames or 0),
            duration_s=self.index.frame_count / fps if fps else 0.0,
            keyframes=int(self.index.key_frames.size),
            max_gop=self.index.max_gop,
            pixel_format=str(s.codec_context.pix_fmt),
            truncated=self.index.truncated,
            problem=self.index.problem,
        )

    def _ensure_open(self) -> None:
        if self._closed:
            raise VideoError(self.path, "the reader is closed")

    def _check(self, index: int) -> int:
        n = self.index.frame_count
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"frame index must be an integer, not {type(index).__name__}")
        if not 0 <= index < n:
            raise FrameIndexError(self.path, f"frame {index} is outside the video (frames 0..{n - 1})")
        return int(index)

    def _frame_index(self, frame: av.VideoFrame, expected: int) -> int:
        if frame.pts is not None:
            i = self.index.index_of_pts(frame.pts)
            if i is not None:
                return i
        return expected  # no usable timestamp: decoding order from a keyframe is frame order

    def _decode_packet(self, stream, packet, expected: int):
        try:
            return stream.decode(packet)
        except av.FFmpegError as exc:
            raise VideoError(self.path, f"frame {expected} could not be decoded ({exc}); the file may be damaged") from None

    def _decode_to(self, target: int, wanted: set[int], sink: dict[int, av.VideoFrame] | None = None) -> av.VideoFrame:
        """Decode forward until ``target`` is emitted; cache it and frames near it.

        Frames in ``wanted`` are never skipped and, with ``sink``, collected there even when the
        cache is too small to hold them all.
        """
        key = self.index.keyframe_at_or_before(target)
        parked = self._parked_at
        if parked is None or self._packets is None or not (key <= parked < target):
            stepping_back = self._last_request is not None and 0 < self._last_request - target <= 2
            back = BACK_WINDOW_STEPPING if stepping_back else BACK_WINDOW
            self._seek(key)
            parked = key - 1
        else:
            back = BACK_WINDOW
        keep_from = max(key, target - back)
        disposable = self.index.disposable
        result: av.VideoFrame | None = None
        expected = parked + 1
        assert self._packets is not None
        while result is None:
            packet = next(self._packets, None)
            if packet is None:  # end of file: drain the decoder once, then give up
                if self._drained:
                    self._parked_at = None
                    self._packets = None
                    raise VideoError(
                        self.path,
                        f"frame {target} could not be decoded: the stream ends before it "
                        f"(file truncated or damaged; {self.index.frame_count} frames indexed)",
                    )
                self._drained = True
                frames = self._decode_packet(self._stream, None, expected)
            elif packet.size == 0:  # the demuxer's own end-of-stream packet drains the decoder
                if self._drained:
                    continue
                self._drained = True
                frames = self._decode_packet(self._stream, packet, expected)
            else:
                if packet.pts is not None:
                    j = self.index.index_of_pts(packet.pts)
                    if j is not None and disposable[j] and j < keep_from and j not in wanted:
                        continue
                frames = self._decode_packet(self._stream, packet, expected)
            for frame in frames:
                i = self._frame_index(frame, expected)
                expected = i + 1
                self._parked_at = i
                if i < key:
                    continue  # leading pictures of an open GOP: their references were skipped
                if keep_from <= i <= target + AHEAD_WINDOW or i in wanted:
                    self.cache.put(i, frame)
                    if sink is not None and i in wanted:
                        sink[i] = frame
                    if i == target:
                        result = frame
            if result is None and self._parked_at is not None and self._parked_at > target:
                self._parked_at = None
                self._packets = None
                raise VideoError(self.path, f"frame {target} was not produced by the decoder (damaged stream)")
        return result

    def _seek(self, key: int) -> None:
        try:
            self._container.seek(int(self.index.pts[key]), stream=self._stream, backward=True, any_frame=False)
        except av.FFmpegError as exc:
            raise VideoError(self.path, f"seeking to frame {key} failed ({exc})") from None
        self._packets = self._container.demux(self._stream)
        self._parked_at = None
        self._drained = False


def probe(path: str | Path, *, verify: bool = False) -> VideoInfo:
    """Metadata of a video; with ``verify``, decode every frame and report the true count."""
    with VideoReader(path, cache_bytes=0) as reader:
        info = reader.info
        if not verify:
            return info
        count, problem = 0, info.problem
        try:
            for count, _ in enumerate(reader.iter_frames(), start=1):
                pass
        except VideoError as exc:
            problem = exc.problem
        if count != info.frame_count and problem is None:
            problem = f"only {count} of {info.frame_count} indexed frames decode"
        return VideoInfo(**{**info.to_dict(), "frame_count": count, "problem": problem, "truncated": info.truncated or count != info.frame_count})
