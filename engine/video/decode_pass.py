"""The numbering FFmpeg's sequential decode produces, for streams whose packets cannot be trusted.

Frame k is the k-th picture the decoder outputs. For a clean stream that is the k-th sorted packet
timestamp (``packet_index``); once the decoder rejects a packet or turns it into no picture, only
decoding tells which pictures exist. ``decode_pass`` decodes like the ``ffmpeg`` tool does (a
rejected packet is counted and skipped, decoding goes on) and records the timestamp of every
picture; ``frame_table`` puts that in place of the demux numbering from the pass's keyframe on,
and leaves the (fast, trusted) demux numbering before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import av
import numpy as np

from cabinlens.engine.video.damage import Damage
from cabinlens.engine.video.opening import open_video
from cabinlens.engine.video.packet_index import NO_PTS, DemuxScan, PacketIndex


@dataclass(frozen=True)
class DecodeResult:
    """Every picture one sequential decode produced from ``start_pts`` (``None``: the file's start).

    ``pts`` and ``key`` are in output order (``NO_PTS`` where the decoder gave no timestamp);
    ``packets`` counts the packets it was fed, ``errors`` those it rejected.
    """

    start_pts: int | None
    pts: np.ndarray
    key: np.ndarray
    packets: int
    errors: int

    @property
    def dropped(self) -> int:
        return max(0, self.packets - int(self.pts.size))


def decode_pass(path: str | Path, start_pts: int | None = None, *, frame_threads: bool = False) -> DecodeResult:
    """Decode from the keyframe at ``start_pts`` (or the start) to the end, converting nothing.

    Without ``frame_threads`` the pictures are those of a sequential decode even where the stream
    is damaged: frame threads lose the pictures queued in them at a decoder error. With them a
    pass is faster and exact as long as it meets no error (``verify`` tries that first).
    """
    container, stream = open_video(Path(path))
    pts: list[int] = []
    key: list[bool] = []
    packets = errors = 0

    def take(frames: Iterable[av.VideoFrame]) -> None:
        for frame in frames:
            p = frame.pts
            if start_pts is not None and p is not None and p < start_pts:
                continue  # a leading picture of an open GOP: it belongs before the pass
            pts.append(NO_PTS if p is None else int(p))
            key.append(bool(frame.key_frame))

    with container:
        stream.thread_type = "AUTO" if frame_threads else "SLICE"
        if start_pts is not None:
            container.seek(start_pts, stream=stream, backward=True, any_frame=False)
        try:
            for packet in container.demux(stream):
                leading = start_pts is not None and packet.pts is not None and packet.pts < start_pts
                if packet.size == 0:  # the ffmpeg tool never feeds empty packets to the decoder
                    packets += int(not leading and (packet.pts is not None or packet.dts is not None))
                    continue
                packets += int(not leading)
                try:
                    take(stream.decode(packet))
                except av.FFmpegError:
                    errors += 1
        except av.FFmpegError:
            pass  # demuxing stops here, as it does for FFmpeg: drain what was decoded
        try:
            take(stream.decode(None))
        except av.FFmpegError:
            errors += 1
    return DecodeResult(start_pts, np.array(pts, dtype=np.int64), np.array(key, dtype=bool), packets, errors)


def verify_pass(path: str | Path, scan: DemuxScan) -> tuple[DecodeResult, bool]:
    """A full pass and whether it found the demux numbering exact: with frame threads first
    (fast, and exact while no error occurs), again without them where the stream shows damage."""
    damaged = scan.damage.damaged
    for frame_threads in ((False,) if damaged else (True, False)):
        result = decode_pass(path, None, frame_threads=frame_threads)
        clean = not result.errors and not result.dropped and np.array_equal(result.pts, scan.index.pts)
        if clean:
            break
    return result, clean


def damage_of(scan: DemuxScan, missing: frozenset[int], tail: DecodeResult | None) -> Damage:
    """What demuxing saw, plus the pictures decoding was seen to drop."""
    damage = scan.damage
    dropped = len(missing) + (tail.dropped if tail is not None else 0)
    errors = tail.errors if tail is not None else 0
    return replace(
        damage, dropped_pictures=dropped, undecodable_packets=errors,
        verified=tail is not None and tail.start_pts is None,
    )


def frame_table(scan: DemuxScan, missing: frozenset[int], tail: DecodeResult | None) -> PacketIndex:
    """The frame table: demux numbering less the pictures seen missing, then the pass's pictures."""
    base = scan.index
    if tail is None and not missing:
        return base
    pts = base.pts
    if tail is not None:
        prefix = pts[:0] if tail.start_pts is None else pts[pts < tail.start_pts]
    else:
        prefix = pts
    if missing:
        prefix = prefix[~np.isin(prefix, np.fromiter(missing, dtype=np.int64, count=len(missing)))]
    decoded = tail.pts if tail is not None else np.empty(0, dtype=np.int64)
    table = np.concatenate([prefix, decoded]).astype(np.int64)
    is_key = np.isin(table, scan.key_pts)
    if tail is not None:
        is_key[prefix.size :] &= tail.key  # a keyframe packet whose picture came out as one
    key_frames = np.flatnonzero(is_key).astype(np.int64)
    if table.size and (key_frames.size == 0 or key_frames[0] != 0):
        key_frames = np.concatenate([[0], key_frames]).astype(np.int64)
    damage = damage_of(scan, missing, tail)
    return PacketIndex(
        table, key_frames, np.isin(table, scan.disposable_pts), base.truncated, damage.describe(),
        decoded_from=int(prefix.size) if tail is not None else None,
    )
