"""The frame index of a video, built by demuxing once (no decoding).

Containers lie about frame counts (AVI headers, edit lists, truncated files), and seeking by time
lands on the wrong frame with B-frames. Sorting the presentation timestamps of every packet gives
the true frame numbering that sequential decoding produces; keyframe positions tell where a
decode must start. A 30-minute session demuxes in about a second.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import av
import numpy as np

from cabinlens.engine.video.bitstream import h264_is_disposable, h264_nal_length_size


@dataclass(frozen=True)
class PacketIndex:
    """Presentation-ordered frame table of one video stream.

    ``pts[i]`` is the timestamp of frame i; ``key_frames`` the sorted frame indices of
    keyframes; ``disposable`` frames no later picture references (safe to skip when unwanted).
    ``truncated`` says demuxing stopped on an error before the end of the file.
    """

    pts: np.ndarray
    key_frames: np.ndarray
    disposable: np.ndarray
    truncated: bool
    problem: str | None

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
            lookup = {int(p): i for i, p in enumerate(self.pts.tolist())}
            object.__setattr__(self, "_lookup", lookup)
        return lookup.get(pts)

    @property
    def max_gop(self) -> int:
        bounds = [*self._keys, self.frame_count]
        return max((b - a for a, b in zip(bounds, bounds[1:])), default=self.frame_count)


def build_packet_index(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> PacketIndex:
    """Demux every packet of ``stream`` (leaving the container at an undefined position)."""
    length_size = h264_nal_length_size(stream.codec_context.extradata)
    parse = stream.codec_context.name == "h264"
    pts_list: list[int] = []
    keys: list[int] = []
    disposable: list[int] = []
    truncated, problem = False, None
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.is_discard:
                continue
            if packet.is_corrupt:
                truncated, problem = True, "a corrupt packet (file damaged or cut short)"
                break
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is None:
                ts = (pts_list[-1] + 1) if pts_list else 0
            pts_list.append(int(ts))
            if packet.is_keyframe:
                keys.append(int(ts))
            if parse and not packet.is_keyframe and h264_is_disposable(memoryview(packet), length_size):
                disposable.append(int(ts))
    except av.FFmpegError as exc:
        truncated, problem = True, f"demuxing stopped: {exc}"
    pts = np.array(sorted(pts_list), dtype=np.int64)
    if pts.size and np.any(np.diff(pts) == 0):
        pts = np.unique(pts)
    where = {int(p): i for i, p in enumerate(pts.tolist())}
    key_frames = np.array(sorted(where[k] for k in set(keys)), dtype=np.int64)
    disp = np.zeros(pts.shape[0], dtype=bool)
    for p in disposable:
        disp[where[p]] = True
    if pts.size and (key_frames.size == 0 or key_frames[0] != 0):
        # Decoding must start somewhere: treat the first frame as the entry point.
        key_frames = np.concatenate([[0], key_frames]).astype(np.int64)
    return PacketIndex(pts, key_frames, disp, truncated, problem)
