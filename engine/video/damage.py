"""What is wrong with a video stream, counted, so a user can tell a damaged file from a bad reader.

Demuxing alone sees timestamps, corrupt or empty packets and packets with no picture in them; only
a decode pass sees packets the decoder rejects or turns into no picture. ``verified`` says which
of the two the counts come from.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Damage:
    """Counts of damage found in one video stream (all 0 and False for a clean stream)."""

    undecodable_packets: int = 0  # packets the decoder rejected with an error
    dropped_pictures: int = 0  # packets that produced no picture (the rejected ones included)
    timestamp_gaps: int = 0  # missing frame times in an otherwise constant-rate stream
    non_monotonic_timestamps: int = 0  # decode timestamps that go backwards or repeat
    duplicate_timestamps: int = 0  # two packets with the same presentation time
    missing_timestamps: int = 0  # packets without any timestamp
    corrupt_packets: int = 0  # packets the demuxer flagged as corrupt
    empty_packets: int = 0  # zero-byte packets inside the stream
    pictureless_packets: int = 0  # packets without a picture start code (MPEG-4 part 2, MJPEG)
    truncated: bool = False  # demuxing stopped on an error or a cut-off packet
    verified: bool = False  # counts come from decoding every packet, not from demuxing only

    @property
    def damaged(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "verified")

    def describe(self) -> str | None:
        """One line for a user, or None for a clean stream."""
        if not self.damaged:
            return None
        parts = [
            f"{count} {label}"
            for count, label in (
                (self.undecodable_packets, "undecodable packets (decoder errors)"),
                (self.dropped_pictures, "pictures dropped (packets that produced no picture)"),
                (self.timestamp_gaps, "timestamp gaps"),
                (self.non_monotonic_timestamps, "non-monotonic timestamps"),
                (self.duplicate_timestamps, "duplicate timestamps"),
                (self.missing_timestamps, "packets without timestamps"),
                (self.corrupt_packets, "corrupt packets"),
                (self.empty_packets, "empty packets"),
                (self.pictureless_packets, "packets without a picture start code"),
            )
            if count
        ]
        if self.truncated:
            parts.append("the file is truncated or demuxing stopped on an error")
        where = "" if self.verified else " (so far: `cabinlens video probe --verify` decodes every packet)"
        return "the stream is damaged: " + ", ".join(parts) + where
