"""Reading frames in order with a decoder of its own (``VideoReader.iter_frames``).

The numbering is the reader's frame table; where decoding meets a picture that never comes out
in the demux-numbered part, the loss is recorded for the file and the run carries on in the new
numbering (frames already yielded keep theirs: they all come before the lost one). A picture the
table does not know restarts the run after a decode pass; a run that does not reproduce the
decode pass restarts from an earlier keyframe, frames already yielded not yielded again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import av
import numpy as np

from cabinlens.engine.video import file_facts
from cabinlens.engine.video.errors import FrameUnavailableError
from cabinlens.engine.video.numbering import LEADING, Diverged, Mismatch, Renumbered, Tracker, unavailable
from cabinlens.engine.video.opening import open_video
from cabinlens.engine.video.packet_index import PacketIndex

if TYPE_CHECKING:
    from cabinlens.engine.video.reader import VideoReader

#: Restarts one iteration may go through before it gives up on a damaged stream.
MAX_RESTARTS = 64


def iterate(reader: VideoReader, start: int, stop: int | None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, frame)`` for frames ``[start, stop)`` of ``reader``'s file."""
    next_i = start
    key: int | None = None
    for _ in range(MAX_RESTARTS):
        with reader._lock:
            reader._sync()
            idx = reader.index
        end = idx.frame_count if stop is None else min(stop, idx.frame_count)
        if next_i >= end:
            return
        next_i = reader._check(next_i)
        first = idx.keyframe_at_or_before(next_i)
        key = first if key is None else min(key, first)
        try:
            for i, frame in _run(reader, idx, key, next_i, stop):
                yield i, frame
                next_i = i + 1
            return
        except Renumbered:
            key = None
        except Diverged as exc:
            if key == 0:
                raise FrameUnavailableError(reader.path, unavailable(next_i, exc.produced, reader.info.problem)) from None
            key = idx.keyframe_at_or_before(key - 1)
    raise FrameUnavailableError(reader.path, f"frame {next_i} could not be numbered in this damaged stream "
                                             f"({reader.info.problem})")


def _run(reader: VideoReader, idx: PacketIndex, key: int, start: int, stop: int | None) -> Iterator[tuple[int, np.ndarray]]:
    container, stream = open_video(reader.path)
    try:
        reader._configure(stream)
        if key > 0:
            container.seek(int(idx.pts[key]), stream=stream, backward=True, any_frame=False)
        tracker = Tracker(idx, key)
        fmt = reader.pixel_format
        produced: list[int] = []
        for frames in _decoded(reader, stream, container.demux(stream), tracker, start):
            for frame in frames:
                try:
                    i = tracker.picture(frame)
                except Mismatch:
                    if not reader._careful:
                        reader._suspect()  # frame threads: redo without them first
                    if tracker.in_decoded_part():
                        raise Diverged(produced) from None
                    reader._found(tracker, None)  # a decode pass from here, then a restart
                    raise Renumbered from None
                if i == LEADING:
                    continue
                if tracker.lost:
                    i = _renumber(reader, tracker, i, produced)
                produced.append(i)
                end = tracker.index.frame_count if stop is None else min(stop, tracker.index.frame_count)
                if i < start:
                    continue
                if i >= end:
                    return
                yield i, frame.to_ndarray(format=fmt)
        tracker.finish()
        if tracker.lost:  # nothing came out after them: record them, there is nothing left to yield
            _renumber(reader, tracker, None, produced)
    finally:
        container.close()


def _decoded(reader: VideoReader, stream, packets: Iterator[av.Packet], tracker: Tracker, start: int):
    """The decoder's output per packet, then its drained rest; a demuxing error ends the stream."""
    while True:
        try:
            packet = next(packets, None)
        except av.FFmpegError:
            packet = None
        if packet is None or packet.size == 0:
            if packet is not None and (packet.pts is not None or packet.dts is not None):
                continue  # an empty packet inside the stream: the ffmpeg tool never decodes it
            yield reader._decode(stream, None, tracker)
            return
        idx = tracker.index
        j = idx.index_of_pts(packet.pts) if packet.pts is not None else None
        if j is not None and j < start and idx.disposable[j]:
            continue
        tracker.fed(j)
        yield reader._decode(stream, packet, tracker)


def _renumber(reader: VideoReader, tracker: Tracker, current: int | None, produced: list[int]) -> int:
    """Record lost pictures of the demux-numbered part and carry on in the new numbering."""
    if not reader._careful:
        reader._suspect()  # frame threads: redo without them first
    if tracker.in_decoded_part(tracker.lost):
        raise Diverged(produced)
    known = file_facts.add_missing(reader._key, (int(tracker.index.pts[j]) for j in tracker.lost))
    with reader._lock:
        reader._apply(known)
        new = reader.index
    if current is None:
        return -1
    try:
        return tracker.renumber(new, current)
    except Mismatch:
        raise Renumbered from None
