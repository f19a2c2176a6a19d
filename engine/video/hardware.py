"""GPU decoding (NVIDIA NVDEC) through the FFmpeg inside PyAV's wheels, where the machine has it.

PyAV's wheels are built with FFmpeg's CUDA hardware device (``h264_cuvid`` and the ``cuda``
hwaccel); it loads the driver's ``libnvcuvid`` at run time, so a machine with an NVIDIA driver
decodes on the GPU with no other package (torchcodec's GPU build needs a system FFmpeg; PyAV's
does not). Decoded pictures are copied back to host memory (NV12) by PyAV and converted like any
other, so the reader's numbering, seeking and caching are the same for both decoders. Whether
the GPU decoder is faster than the CPU's threads depends on the machine (NVDEC engines, cores,
resolution), so ``engine.analysis.decoder_choice`` measures both on the job's own clips.
"""

from __future__ import annotations

from typing import Literal

import av

Decoder = Literal["cpu", "cuda"]
DECODERS: tuple[str, ...] = ("auto", "cpu", "cuda")


def hwaccel(decoder: Decoder):
    """PyAV's hardware acceleration for ``decoder`` (None for the CPU); never falls back silently."""
    if decoder == "cpu":
        return None
    from av.codec.hwaccel import HWAccel

    return HWAccel(device_type="cuda", allow_software_fallback=False)


def cuda_decoding_problem() -> str | None:
    """Why PyAV cannot decode on an NVIDIA GPU here, or None when it offers the device."""
    try:
        from av.codec.hwaccel import hwdevices_available
    except ImportError:
        return f"PyAV {av.__version__} has no hardware decoding"
    if "cuda" not in hwdevices_available():
        return "PyAV's FFmpeg offers no CUDA device"
    return None


def is_hardware(stream) -> bool:
    """Whether the stream's decoder really runs on the hardware device (not a software fallback)."""
    return bool(getattr(stream.codec_context, "is_hwaccel", False))
