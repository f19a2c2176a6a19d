"""Frame-exact video access: metadata, random access, sequential reads, clip sampling."""

from cabinlens.engine.video.errors import FrameIndexError, VideoError
from cabinlens.engine.video.reader import VideoInfo, VideoReader, probe
from cabinlens.engine.video.sampling import sample_indices

__all__ = ["FrameIndexError", "VideoError", "VideoInfo", "VideoReader", "probe", "sample_indices"]
