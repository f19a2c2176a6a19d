"""Frame-exact random and sequential access to a video file, built on PyAV (FFmpeg).

Why PyAV and not OpenCV: measured on a 1280x1024 H.264 file with a 300-frame GOP and B-frames,
OpenCV's ``CAP_PROP_POS_FRAMES`` seek costs as much as decoding everything from the keyframe and
cannot skip work, and OpenCV exposes neither timestamps nor the bitstream. With PyAV the reader:

- numbers frames by sorted presentation timestamps from a one-time demux (``packet_index``), so
  frame ``i`` is exactly the i-th picture of sequential decoding, whatever the container claims;
- where the stream is damaged, takes the numbering from a decode pass instead (``decode_pass``):
  from the keyframe before the first damage demuxing sees, or where decoding meets damage it did
  not (a picture that never comes out is recorded and the frames renumbered); what is found is
  kept per file (``file_facts``), so a clean file pays nothing and a damaged one pays once;
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
from pathlib import Path
from typing import Literal

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from cabinlens.engine.video import file_facts
from cabinlens.engine.video.cache import FrameCache
from cabinlens.engine.video.decode_pass import damage_of, frame_table
from cabinlens.engine.video.hardware import Decoder, hwaccel, is_hardware
from cabinlens.engine.video.errors import FrameIndexError, FrameUnavailableError, VideoError
from cabinlens.engine.video.numbering import LEADING, Diverged, Mismatch, Renumbered, Tracker, unavailable
from cabinlens.engine.video.opening import VideoInfo, frame_rate_of, frame_size, open_video, video_info
from cabinlens.engine.video.packet_index import PacketIndex, scan_packets
from cabinlens.engine.video.scan_cache import scan_once
from cabinlens.engine.video.sequential import iterate

__all__ = ["PixelFormat", "VideoError", "VideoInfo", "VideoReader", "frame_rate_of", "frame_size", "probe", "usable_cores"]

PixelFormat = Literal["rgb24", "bgr24", "gray"]

#: Frames before a random-access target that are decoded and cached even if disposable, so a
#: step backwards right after a jump is a cache hit.
BACK_WINDOW = 8
#: A miss just behind the last request means the user is stepping backwards: cache more.
BACK_WINDOW_STEPPING = 30
#: Frames after a target that are converted and cached when the decoder emits them anyway.
AHEAD_WINDOW = 4
#: Renumberings one request may go through (each finds at least one more lost picture).
MAX_RENUMBER = 64


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class VideoReader:
    """Random access and sequential reading of one video, frames numbered from 0.

    ``pixel_format`` is ``rgb24`` (H×W×3), ``bgr24`` (H×W×3) or ``gray`` (H×W); every call
    returns a new array, so callers may modify it. ``verify`` decodes the whole file once at
    opening, so even damage only decoding reveals is numbered right from the first request.
    ``decoder``: "cuda" decodes random access on the GPU (``engine.video.hardware``); numbering
    passes and sequential reading stay on the CPU.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        pixel_format: PixelFormat = "rgb24",
        cache_bytes: int = 256 * 2**20,
        threads: int = 0,
        verify: bool = False,
        decoder: Decoder = "cpu",
    ) -> None:
        self.path = Path(path)
        self.decoder = decoder
        self.pixel_format = pixel_format
        self._threads = threads
        self._lock = threading.RLock()
        self._converters = threading.local()  # each thread's own pixel converter (see _array)
        self.cache = FrameCache(cache_bytes)
        self._parked_at: int | None = None  # index of the last frame the decoder emitted
        self._started_at = 0  # keyframe the parked decoder started from
        self._tracker: Tracker | None = None  # follows the parked decoder's run
        self._packets: Iterator[av.Packet] | None = None
        self._drained = False
        self._last_request: int | None = None
        self._closed = False
        self._verified = None
        self._careful = False  # decode without frame threads (a damaged stream)
        self._reopen = False  # the random-access decoder must be opened anew (its threading changed)
        self._container, self._stream = open_video(self.path, hwaccel(decoder))
        try:
            self._key = file_key = file_facts.file_key(self.path)
            self._scan = scan_once(file_key, lambda: scan_packets(self._container, self._stream))
            if self._scan.packets == 0:
                why = self._scan.index.problem
                raise VideoError(self.path, "contains no video frames" + (f" ({why})" if why else ""))
            known = file_facts.facts(file_key)
            if verify:
                known = self._verify_pass()
            elif self._scan.needs_decode and not file_facts.covers(known, self._scan.decode_from_pts):
                known = self._decode_pass(self._scan.decode_from_pts)
            self._apply(known)
            if self.index.frame_count == 0:
                raise VideoError(self.path, f"contains no video frames that decode ({self.info.problem})")
            self._configure(self._stream, random_access=True)
            self._reopen = False
        except BaseException:
            self._container.close()
            raise

    # ------------------------------------------------------------------ public API
    @property
    def frame_count(self) -> int:
        return self.index.frame_count

    @property
    def on_hardware(self) -> bool:
        """Whether random access really decodes on the GPU (not PyAV's software fallback)."""
        return is_hardware(self._stream)

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
        """The pixels of frame ``index``: FFmpeg's ``index``-th decoded picture of the file."""
        for _ in range(MAX_RENUMBER):
            with self._lock:
                self._ensure_open()
                self._sync()
                index = self._check(index)
                picture = self.cache.get(index)  # another thread may have decoded it meanwhile
                try:
                    if picture is None:
                        picture = self._produce(index, wanted={index})
                except Renumbered:
                    continue
                self._last_request = index
            return self._array(picture)
        raise FrameUnavailableError(self.path, f"frame {index} could not be numbered in this damaged stream "
                                               f"({self.info.problem})")

    __getitem__ = frame

    def frames(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """Frames at ``indices`` (any order, repeats allowed) stacked as (T, H, W[, 3]).

        The distinct frames are decoded in one forward pass per GOP, skipping what none needs.
        """
        raw = [int(i) for i in np.asarray(indices).ravel()]
        for _ in range(MAX_RENUMBER):
            got: dict[int, av.VideoFrame] = {}
            with self._lock:
                self._ensure_open()
                self._sync()
                idx = [self._check(i) for i in raw]
                todo = sorted(set(idx))
                wanted = set(todo)
                try:
                    for i in todo:
                        if i not in got:
                            cached = self.cache.get(i)
                            got[i] = cached if cached is not None else self._produce(i, wanted=wanted, sink=got)
                except Renumbered:
                    continue
            arrays = {i: self._array(picture) for i, picture in got.items()}
            return np.stack([arrays[i] for i in idx])
        raise FrameUnavailableError(self.path, f"frames could not be numbered in this damaged stream ({self.info.problem})")

    def _array(self, picture: av.VideoFrame) -> np.ndarray:
        """A decoded picture's pixels in the reader's format, converted outside the lock by this thread's
        own converter. A cached picture can be asked for by several threads at once, and the converter
        PyAV keeps on a picture (an FFmpeg scaler run without the GIL, with threads of its own) must not
        be entered by two of them: it hung four threads reading one reader."""
        converter = getattr(self._converters, "converter", None)
        if converter is None:
            converter = self._converters.converter = VideoReformatter()
        return converter.reformat(picture, format=self.pixel_format).to_ndarray()

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(index, frame)`` for frames ``[start, stop)`` at full decoder speed.

        Uses a decoder of its own (threads: frame + slice), so it never blocks ``frame()``.
        """
        yield from iterate(self, start, stop)

    def verify(self) -> VideoInfo:
        """Decode every packet once: the numbering of every frame is then the decoder's, damage counted."""
        known = self._verify_pass()
        with self._lock:
            self._apply(known)
        return self.info

    # ------------------------------------------------------------------ numbering
    def _decode_pass(self, start_pts: int | None) -> file_facts.FileFacts:
        return file_facts.decoded_from(self._key, self.path, start_pts)

    def _verify_pass(self) -> file_facts.FileFacts:
        known, self._verified = file_facts.verified(self._key, self.path, self._scan)
        return known

    def _apply(self, known: file_facts.FileFacts) -> None:
        """Adopt what is known about the file: a new frame table (old cached frames are void)."""
        self.index: PacketIndex = frame_table(self._scan, known.missing, known.tail)
        self._facts_version = known.version
        damage = self._verified if self._verified is not None else damage_of(self._scan, known.missing, known.tail)
        self.info = video_info(self.path, self._stream, self.index.frame_count, int(self.index.key_frames.size),
                               self.index.max_gop, self.index.truncated, damage.describe() or self.index.problem, damage)
        self.cache.clear()
        self._parked_at = None
        self._packets = None
        if not self._careful and (damage.damaged or not known.empty):
            self._careful = self._reopen = True

    def _suspect(self) -> None:
        """Decoding with frame threads met an error or a lost picture: redo it without them (raises).

        Frame threads lose the pictures queued in them at a decoder error, so what they show of
        damage is not what a sequential decode outputs; only a run without them is recorded.
        """
        with self._lock:
            self._careful = self._reopen = True
            self._parked_at, self._packets = None, None
        raise Renumbered

    def _sync(self) -> None:
        """Take up what another reader (or this one's iterator) found about the file meanwhile."""
        known = file_facts.facts(self._key)
        if known.version != self._facts_version:
            self._apply(known)

    def _found(self, tracker: Tracker, lost: list[int] | None) -> None:
        """Damage decoding met in the demux-numbered part: record it, renumber (raises)."""
        if lost:
            known = file_facts.add_missing(self._key, (int(self.index.pts[j]) for j in lost))
        else:  # a picture demuxing knows nothing of: only a decode pass can number from here
            start = None if tracker.key == 0 else int(self.index.pts[tracker.key])
            known = self._decode_pass(start)
        with self._lock:
            self._apply(known)
        raise Renumbered

    # ------------------------------------------------------------------ internals
    def _configure(self, stream: av.video.stream.VideoStream, *, random_access: bool = False) -> None:
        """Frame and slice threads; for random access one frame thread per usable core.

        FFmpeg's automatic count is cores + 1, which suits throughput. Each frame thread delays
        the output by one picture, so a jump pays for pictures decoded past its target: on two
        cores, two threads reach a random frame 5-13% sooner than three (tests/bench/bench_video.py).
        A damaged stream gets slice threads only, so its pictures are those of sequential decoding.
        A GPU decoder gets one thread: the pictures are decoded on the device.
        """
        if self._careful:
            stream.thread_type = "SLICE"
            return
        if self.decoder != "cpu":  # the GPU decodes; frame threads would only delay its pictures
            stream.thread_count = 1
            return
        stream.thread_type = "AUTO"
        if self._threads:
            stream.thread_count = self._threads
        elif random_access:
            stream.thread_count = usable_cores()

    def _ensure_open(self) -> None:
        if self._closed:
            raise VideoError(self.path, "the reader is closed")

    def _check(self, index: int) -> int:
        n = self.index.frame_count
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"frame index must be an integer, not {type(index).__name__}")
        if not 0 <= index < n:
            note = f"; {self.info.problem}, and frame {n - 1} is its last" if self.info.damaged and index >= n else ""
            raise FrameIndexError(self.path, f"frame {index} is outside the video (frames 0..{n - 1}){note}")
        return int(index)

    def _decode(self, stream: av.video.stream.VideoStream, packet: av.Packet | None, tracker: Tracker) -> list[av.VideoFrame]:
        """Decode like the ffmpeg tool: a packet the decoder rejects yields nothing, decoding goes on."""
        try:
            return stream.decode(packet)
        except av.FFmpegError:
            tracker.errors += 1
            if not self._careful:
                self._suspect()
            return []

    def _produce(self, target: int, wanted: set[int], sink: dict[int, av.VideoFrame] | None = None) -> av.VideoFrame:
        """Decode ``target`` from its keyframe, or from earlier ones where that does not reproduce it."""
        key = self.index.keyframe_at_or_before(target)
        while True:
            try:
                return self._decode_to(target, wanted, sink, key)
            except Diverged as exc:
                self._parked_at, self._packets = None, None
                if key == 0:
                    raise FrameUnavailableError(self.path, unavailable(target, exc.produced, self.info.problem)) from None
                key = self.index.keyframe_at_or_before(key - 1)

    def _decode_to(self, target: int, wanted: set[int], sink: dict[int, av.VideoFrame] | None, key: int) -> av.VideoFrame:
        """Decode forward until ``target`` is emitted; cache it and frames near it.

        Frames in ``wanted`` are never skipped and, with ``sink``, collected there even when the
        cache is too small to hold them all.
        """
        parked = self._parked_at
        if parked is None or self._packets is None or not (key <= parked < target) or self._started_at > key:
            stepping_back = self._last_request is not None and 0 < self._last_request - target <= 2
            back = BACK_WINDOW_STEPPING if stepping_back else BACK_WINDOW
            self._seek(key)
            parked = key - 1
        else:
            back = BACK_WINDOW
        idx = self.index
        keep_from = max(key, target - back)
        disposable = idx.disposable
        result: av.VideoFrame | None = None
        tracker = self._tracker
        assert tracker is not None
        produced: list[int] = []
        while result is None:
            packet = self._next_packet()
            if packet is None or packet.size == 0:
                if packet is not None and (packet.pts is not None or packet.dts is not None):
                    continue  # an empty packet inside the stream: the ffmpeg tool never decodes it
                if self._drained:  # end of file, decoder drained: what is pending never came
                    self._parked_at, self._packets = None, None
                    tracker.finish()
                    self._lost(tracker, produced)
                    raise Diverged(produced) if idx.is_decoded(target) else FrameUnavailableError(
                        self.path, unavailable(target, produced, self.info.problem))
                self._drained = True
                frames = self._decode(self._stream, None, tracker)
            else:
                j = idx.index_of_pts(packet.pts) if packet.pts is not None else None
                if j is not None and disposable[j] and j < keep_from and j not in wanted:
                    continue
                tracker.fed(j)
                frames = self._decode(self._stream, packet, tracker)
            for frame in frames:
                try:
                    i = tracker.picture(frame)
                except Mismatch:
                    self._parked_at, self._packets = None, None
                    if not self._careful:
                        self._suspect()
                    if tracker.in_decoded_part():
                        raise Diverged(produced) from None
                    self._found(tracker, None)
                if i == LEADING:
                    continue  # leading pictures of an open GOP: their references were skipped
                self._parked_at = i
                produced.append(i)
                if keep_from <= i <= target + AHEAD_WINDOW or i in wanted:
                    self.cache.put(i, frame)
                    if sink is not None and i in wanted:
                        sink[i] = frame
                    if i == target:
                        result = frame
            if tracker.lost and (result is not None or (self._parked_at is not None and self._parked_at > target)):
                self._parked_at, self._packets = None, None
                self._lost(tracker, produced)
            if result is None and self._parked_at is not None and self._parked_at > target:
                self._parked_at, self._packets = None, None
                raise Diverged(produced) if idx.is_decoded(target) else FrameUnavailableError(
                    self.path, unavailable(target, produced, self.info.problem))
        return result

    def _lost(self, tracker: Tracker, produced: list[int]) -> None:
        """Pictures that never came out: renumber (demux part) or diverge (decoded part); raises if any."""
        if not tracker.lost:
            return
        if not self._careful:
            self._suspect()
        if tracker.in_decoded_part(tracker.lost):
            raise Diverged(produced)
        self._found(tracker, tracker.lost)

    def _seek(self, key: int) -> None:
        idx = self.index
        try:
            from_start = key == 0 and idx.decoded_from == 0
            if self._reopen or from_start:
                # A new decoder (new threading), or a pass from the file's start numbered the
                # frames: frame 0 is then wherever decoding starts, so start at the very beginning.
                container, stream = open_video(self.path, hwaccel(self.decoder))
                self._configure(stream, random_access=True)
                self._container.close()
                self._container, self._stream = container, stream
                self._reopen = False
            if not from_start:
                self._container.seek(int(idx.pts[key]), stream=self._stream, backward=True, any_frame=False)
        except av.FFmpegError as exc:
            raise VideoError(self.path, f"seeking to frame {key} failed ({exc})") from None
        self._packets = self._container.demux(self._stream)
        self._parked_at = None
        self._started_at = key
        self._tracker = Tracker(idx, key)
        self._drained = False

    def _next_packet(self) -> av.Packet | None:
        """The next packet, or None at the end; a demuxing error ends the stream, as for FFmpeg."""
        assert self._packets is not None
        try:
            return next(self._packets, None)
        except av.FFmpegError:
            self._packets = iter(())
            return None


def probe(path: str | Path, *, verify: bool = False) -> VideoInfo:
    """Metadata of a video; with ``verify``, decode every packet and count the damage found."""
    with VideoReader(path, cache_bytes=0, verify=verify) as reader:
        return reader.info
