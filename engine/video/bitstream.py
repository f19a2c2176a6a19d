"""Tell from the bitstream which H.264 pictures nothing else references.

Reaching frame n means decoding every reference picture from the preceding keyframe, but
non-reference pictures (about half of an x264 stream with B-frames) can be skipped unless they
are wanted themselves. This is what ``skip_frame=NONREF`` does inside FFmpeg, decided per packet
so that the wanted frames still decode. Other codecs are never skipped.
"""

from __future__ import annotations


def h264_nal_length_size(extradata: bytes | None) -> int | None:
    """Length-prefix size of AVCC (MP4/MKV) H.264, or None for Annex-B start codes."""
    if extradata and len(extradata) >= 7 and extradata[0] == 1:
        return (extradata[4] & 0x03) + 1
    return None


def _nal_headers_avcc(data: memoryview, length_size: int):
    pos, n = 0, len(data)
    while pos + length_size < n:
        size = int.from_bytes(data[pos : pos + length_size], "big")
        if size <= 0 or pos + length_size + size > n:
            return
        yield data[pos + length_size]
        pos += length_size + size


def _nal_headers_annexb(data: memoryview):
    raw = data.tobytes()
    pos = raw.find(b"\x00\x00\x01")
    while pos >= 0 and pos + 3 < len(raw):
        yield raw[pos + 3]
        pos = raw.find(b"\x00\x00\x01", pos + 3)


def h264_is_disposable(data: memoryview, length_size: int | None) -> bool:
    """True when every slice in the packet has nal_ref_idc 0 (no later picture refers to it)."""
    headers = _nal_headers_avcc(data, length_size) if length_size else _nal_headers_annexb(data)
    saw_slice = False
    for header in headers:
        nal_type = header & 0x1F
        if nal_type in (1, 5):  # coded slice (non-IDR / IDR)
            saw_slice = True
            if (header >> 5) & 0x03:
                return False
        elif nal_type in (2, 3, 4, 20, 21):  # partitions / extensions: do not guess
            return False
    return saw_slice
