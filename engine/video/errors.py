"""Video errors name the file and the problem; they never leave a decoder half-open."""

from __future__ import annotations

from cabinlens.engine.errors import InputError


class VideoError(InputError):
    """A video that is missing, empty, not a video, corrupt or truncated."""


class FrameIndexError(VideoError, IndexError):
    """A frame index outside ``[0, frame_count)``."""


class FrameUnavailableError(FrameIndexError):
    """A frame of a damaged stream that decoding cannot reproduce exactly; names a neighbour that exists."""
