"""Which frame a decoded picture is, and which expected pictures never came out.

A decoder run from a keyframe must reproduce the frame table: every picture maps to one frame
(by timestamp, or by counting where timestamps are missing or repeated), and every packet fed
for a frame at or after the keyframe comes out before any later frame does (the decoder outputs
in presentation order). A picture the table does not hold is a *mismatch*; a frame that was
fed but skipped over is *lost*. In the demux-numbered part both mean damage demuxing did not
see; in the decode-numbered part they mean this run diverged from the decode pass.
"""

from __future__ import annotations

import heapq

import av

from cabinlens.engine.video.packet_index import NO_PTS, PacketIndex

#: What ``Tracker.picture`` returns for a leading picture of an open GOP (it belongs before the run).
LEADING = -1


class Mismatch(Exception):
    """A decoded picture the frame table does not hold where it came out."""


class Renumbered(Exception):
    """The frame table changed under a request (damage found): the request starts over."""


class Diverged(Exception):
    """Decoding from a keyframe did not reproduce the decode pass: start from an earlier one."""

    def __init__(self, produced: list[int]) -> None:
        super().__init__()
        self.produced = produced


def unavailable(target: int, produced: list[int], problem: str | None) -> str:
    """The message for a frame decoding cannot reproduce, naming the nearest frame that decoded."""
    below = [i for i in produced if i < target]
    above = [i for i in produced if i > target]
    near = f"frame {max(below)} exists" if below else (f"frame {min(above)} exists" if above else "no frame near it decoded")
    return f"frame {target} cannot be produced exactly: the decoder does not output it ({problem or 'damaged stream'}); {near}"


class Tracker:
    """Follows one decoder run that starts at keyframe ``key`` of ``index``."""

    def __init__(self, index: PacketIndex, key: int, expected: int | None = None) -> None:
        self.index = index
        self.key = key
        self.expected = key if expected is None else expected
        self.pending: list[int] = []
        self.lost: list[int] = []
        self.errors = 0  # packets the decoder rejected in this run

    def fed(self, frame_index: int | None) -> None:
        """A packet whose picture is frame ``frame_index`` went to the decoder."""
        if frame_index is not None and frame_index >= self.key:
            heapq.heappush(self.pending, frame_index)

    def picture(self, frame: av.VideoFrame) -> int:
        """The frame index of a decoded picture, or ``LEADING``; raises ``Mismatch``."""
        idx = self.index
        p = frame.pts
        i = idx.index_of_pts(p) if p is not None else None
        if i is None:
            e = self.expected
            if e < idx.frame_count and int(idx.pts[e]) == (NO_PTS if p is None else p):
                i = e  # no usable timestamp: decoding order from a keyframe is frame order
            elif p is not None and self.key > 0 and p < int(idx.pts[self.key]):
                return LEADING
            else:
                raise Mismatch(f"a picture with timestamp {p} where frame {e} was expected")
        if i < self.key:
            return LEADING
        pending = self.pending
        while pending and pending[0] < i:
            self.lost.append(heapq.heappop(pending))
        while pending and pending[0] == i:
            heapq.heappop(pending)
        self.expected = i + 1
        return i

    def finish(self) -> None:
        """The decoder is drained: whatever is still pending never came out."""
        self.lost.extend(sorted(self.pending))
        self.pending.clear()

    def in_decoded_part(self, indices: list[int] | None = None) -> bool:
        """Whether a problem at ``indices`` (or where decoding is now) lies where a decode pass numbered."""
        if indices is None:
            return self.index.is_decoded(self.expected)
        return any(self.index.is_decoded(i) for i in indices)

    def renumber(self, new: PacketIndex, current: int) -> int:
        """Carry the run over to a table that only lost frames; the new index of frame ``current``."""
        old = self.index
        moved = [new.index_of_pts(int(old.pts[j])) for j in self.pending]
        self.pending = [j for j in moved if j is not None]
        heapq.heapify(self.pending)
        self.lost = []
        self.index = new
        i = new.index_of_pts(int(old.pts[current]))
        if i is None:
            raise Mismatch(f"frame {current} vanished from the frame table")
        self.expected = i + 1
        return i
