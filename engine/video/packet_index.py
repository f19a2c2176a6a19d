"""The frame index of a video, built by demuxing once (no decoding), and the signs of damage in it.

Containers lie about frame counts (AVI headers, edit lists, truncated files), and seeking by time
lands on the wrong frame with B-frames. Sorting the presentation timestamps of every packet gives
the frame numbering that sequential decoding produces *when every packet yields one picture*;
keyframe positions tell where a decode must start. A 30-minute session demuxes in about a second.

A damaged stream breaks that assumption: the decoder rejects packets or turns them into no
picture, so frame k of the sorted timestamps is FFmpeg's frame k-1 after the first lost picture.
The scan therefore also records what demuxing can see of damage (corrupt, empty or pictureless
packets, missing, repeated or backward timestamps, a cut-off file) and from which keyframe on the
numbering must come from a decode pass instead (``decode_pass``, combined by ``frame_table``).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import av
import numpy as np

from cabinlens.engine.video.bitstream import h264_is_disposable, h264_nal_length_size
from cabinlens.engine.video.damage import Damage

#: The timestamp of a picture the decoder gave none (never equal to a real one).
NO_PTS = int(np.iinfo(np.int64).min)

#: Per codec, the bytes every packet holding a picture contains (a VOP / an SOI marker).
_PICTURE_MARKERS = {"mpeg4": b"\x00\x00\x01\xb6"}
_PICTURE_PREFIXES = {"mjpeg": b"\xff\xd8"}


@dataclass(frozen=True)
class PacketIndex:
    """Frame table of one video stream: ``pts[i]`` is the timestamp of frame i.

    ``key_frames`` are the sorted frame indices where decoding may start; ``disposable`` frames
    no later picture references (safe to skip when unwanted). Frames from ``decoded_from`` on
    were numbered by a decode pass (``None``: all by demuxing), so their timestamps need not be
    sorted or unique; a timestamp that two frames share maps to no frame.
    """

    pts: np.ndarray
    key_frames: np.ndarray
    disposable: np.ndarray
    truncated: bool
    problem: str | None
    decoded_from: int | None = None

    @property
    def frame_count(self) -> int:
        return int(self.pts.shape[0])

    def keyframe_at_or_before(self, index: int) -> int:
        pos = bisect.bisect_right(self._keys, index) - 1
        return self._keys[max(pos, 0)]

    @property
    def _keys(self) -> list[int]:
        cached = self.__dict__.get("_keys_cache")
        if cached is None:
            cached = self.key_frames.tolist()
            object.__setattr__(self, "_keys_cache", cached)
        return cached

    def index_of_pts(self, pts: int) -> int | None:
        lookup = self.__dict__.get("_lookup")
        if lookup is None:
            values = self.pts.tolist()
            lookup = {p: i for i, p in enumerate(values)}
            if len(lookup) != len(values) or NO_PTS in lookup:  # only a decoded part can repeat
                seen: set[int] = set()
                for p in values:
                    if p in seen:
                        lookup[p] = -1
                    seen.add(p)
                lookup.pop(NO_PTS, None)
            object.__setattr__(self, "_lookup", lookup)
        i = lookup.get(pts)
        return None if i is None or i < 0 else i

    def is_decoded(self, index: int) -> bool:
        """Whether frame ``index`` was numbered by a decode pass (so decoding must match it)."""
        return self.decoded_from is not None and index >= self.decoded_from

    @property
    def max_gop(self) -> int:
        bounds = [*self._keys, self.frame_count]
        return max((b - a for a, b in itertools.pairwise(bounds)), default=self.frame_count)


@dataclass(frozen=True)
class DemuxScan:
    """The demux-only index and what demuxing saw of damage.

    ``needs_decode`` says the sorted timestamps cannot be trusted from ``decode_from_pts`` on
    (the keyframe before the first suspicious packet; ``None`` means from the file's start).
    """

    index: PacketIndex
    damage: Damage
    key_pts: np.ndarray
    disposable_pts: np.ndarray
    needs_decode: bool = False
    decode_from_pts: int | None = None
    packets: int = 0


def _has_picture(codec: str, data: bytes) -> bool:
    marker = _PICTURE_MARKERS.get(codec)
    if marker is not None:
        return marker in data
    prefix = _PICTURE_PREFIXES.get(codec)
    return prefix is None or data.startswith(prefix)


def _count_gaps(pts: np.ndarray) -> int:
    """Gaps in a constant-rate stream (steps of 1.5 frame times or more); none for variable rate."""
    if pts.size < 3:
        return 0
    steps = np.diff(pts)
    step = int(np.median(steps))
    if step <= 0 or np.mean(steps == step) < 0.9:
        return 0
    return int(np.count_nonzero(steps * 2 >= step * 3))


def scan_packets(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> DemuxScan:
    """Demux every packet of ``stream`` (leaving the container at an undefined position)."""
    codec = stream.codec_context.name
    length_size = h264_nal_length_size(stream.codec_context.extradata)
    parse = codec == "h264"
    check = codec in _PICTURE_MARKERS or codec in _PICTURE_PREFIXES
    pts_list: list[int] = []
    keys: list[int] = []
    disposable: list[int] = []
    dts_list: list[int] = []
    counts = {"corrupt": 0, "empty": 0, "missing": 0, "pictureless": 0}
    truncated = False
    last_key: int | None = None
    first_suspect_key: int | None = None
    suspect = False
    problem = None

    def suspicious(kind: str) -> None:
        nonlocal suspect, first_suspect_key
        counts[kind] += 1
        if not suspect:
            suspect, first_suspect_key = True, last_key

    try:
        for packet in container.demux(stream):
            if packet.is_discard:
                continue
            if packet.size == 0:
                if packet.pts is not None or packet.dts is not None:
                    suspicious("empty")  # the demuxer's own flush packet has no timestamps
                continue
            if packet.is_corrupt:
                suspicious("corrupt")
            dts = packet.dts
            if dts is not None:
                dts_list.append(dts)
            ts = packet.pts if packet.pts is not None else dts
            if ts is None:
                suspicious("missing")
                ts = (pts_list[-1] + 1) if pts_list else 0
            pts_list.append(int(ts))
            if check and not _has_picture(codec, bytes(packet)):
                suspicious("pictureless")
            if packet.is_keyframe:
                keys.append(ts)
                if not suspect:
                    last_key = ts
            if parse and not packet.is_keyframe and h264_is_disposable(memoryview(packet), length_size):
                disposable.append(ts)
    except av.FFmpegError as exc:
        truncated, problem = True, f"demuxing stopped: {exc}"
        if not suspect:
            suspect, first_suspect_key = True, last_key
    if counts["corrupt"] and not truncated:
        truncated = True
        problem = problem or "a corrupt packet (file damaged or cut short)"
    pts = np.unique(np.array(pts_list, dtype=np.int64))  # sorted, repeats once
    duplicates = len(pts_list) - int(pts.size)
    backwards = int(np.count_nonzero(np.diff(np.array(dts_list, dtype=np.int64)) <= 0)) if len(dts_list) > 1 else 0
    full_pass = bool(duplicates or backwards)  # sorted timestamps would mix up parts of the stream
    suspect = suspect or full_pass
    index = _demux_table(pts, np.array(keys, dtype=np.int64), np.array(disposable, dtype=np.int64), truncated, problem)
    damage = Damage(
        timestamp_gaps=_count_gaps(pts), non_monotonic_timestamps=backwards,
        duplicate_timestamps=duplicates, missing_timestamps=counts["missing"],
        corrupt_packets=counts["corrupt"], empty_packets=counts["empty"],
        pictureless_packets=counts["pictureless"], truncated=truncated,
    )
    if damage.damaged:
        index = PacketIndex(index.pts, index.key_frames, index.disposable, truncated, damage.describe())
    return DemuxScan(
        index, damage, np.unique(np.array(keys, dtype=np.int64)), np.unique(np.array(disposable, dtype=np.int64)),
        needs_decode=suspect and bool(pts_list), decode_from_pts=None if full_pass else first_suspect_key,
        packets=len(pts_list),
    )


def _demux_table(pts: np.ndarray, keys: np.ndarray, disposable: np.ndarray, truncated: bool, problem: str | None) -> PacketIndex:
    key_frames = np.flatnonzero(np.isin(pts, keys)).astype(np.int64)
    if pts.size and (key_frames.size == 0 or key_frames[0] != 0):
        # Decoding must start somewhere: treat the first frame as the entry point.
        key_frames = np.concatenate([[0], key_frames]).astype(np.int64)
    return PacketIndex(pts, key_frames, np.isin(pts, disposable), truncated, problem)


def build_packet_index(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> PacketIndex:
    """The demux-only frame table (``scan_packets`` also reports damage)."""
    return scan_packets(container, stream).index
