"""Which decoder an analysis uses: the CPU's threads or the GPU's NVDEC, whichever is faster here.

Neither wins everywhere: NVDEC frees the cores but a GPU has a few decoder engines and every
picture is copied back to the host; a many-core CPU decodes 1280x1024 in parallel threads. So
``auto`` on a CUDA device times both on a few clips of the job itself, with the analysis's decode
threads, and keeps the faster (the user reads the figures). Both give the same frames: the
reader's numbering, seeking and caching do not depend on the decoder (``engine.video.hardware``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.models.spec import ModelSpec
from cabinlens.engine.video.errors import VideoError
from cabinlens.engine.video.hardware import DECODERS, Decoder, cuda_decoding_problem

#: Clips each decoder decodes to be timed (a few seconds at 1280x1024), and the fewest clips a job
#: must have for the timing to pay off (a smaller job decodes on the CPU).
CALIBRATION_CLIPS = 8
WORTH_TIMING = 64

Rate = Callable[[Sequence[tuple[int, SampleRecord]], ModelSpec, int, Decoder], float]


@dataclass(frozen=True)
class DecoderChoice:
    decoder: Decoder
    why: str  # for the user; empty where nothing needs saying (the CPU, on the CPU)


def decode_rate(samples: Sequence[tuple[int, SampleRecord]], spec: ModelSpec, workers: int, decoder: Decoder = "cpu",
                threads: int | None = None, processes: bool = False) -> float:
    """Clips per second ``workers`` threads (or processes) decode with ``decoder`` (fresh readers and
    processes: opening and starting count); ``threads``: FFmpeg threads per reader (None: the
    engine's share of the cores)."""
    from cabinlens.engine.analysis.prefetch import prefetch

    t0 = time.perf_counter()
    n = sum(1 for _ in prefetch(samples, spec, workers, ahead=2 * workers, threads=threads, decoder=decoder,
                                processes=processes))
    return n / max(time.perf_counter() - t0, 1e-9)


def gpu_decoder_problem(video: str) -> str | None:
    """Why ``video`` cannot be decoded on the GPU here (None: one frame decoded there)."""
    problem = cuda_decoding_problem()
    if problem:
        return problem
    from cabinlens.engine.video.reader import VideoReader

    try:
        with VideoReader(video, decoder="cuda") as reader:
            reader.frame(0)
            if not reader.on_hardware:
                return "the GPU decoder did not open for this codec"
    except VideoError as exc:
        return f"the GPU decoder did not start on {Path(video).name} ({exc.problem})"
    except (OSError, RuntimeError, ValueError) as exc:
        return f"the GPU decoder did not start on {Path(video).name} ({exc})"
    return None


def choose_decoder(requested: str, device: torch.device, samples: Sequence[tuple[int, SampleRecord]],
                   spec: ModelSpec, workers: int, *, rate: Rate = decode_rate,
                   problem: Callable[[str], str | None] = gpu_decoder_problem) -> DecoderChoice:
    """The decoder for samples still to analyse: ``requested`` is auto, cpu or cuda (see the module)."""
    if requested not in DECODERS:
        raise CabinLensError(f"unknown decoder {requested!r} (use {', '.join(DECODERS)})")
    if requested == "cpu" or not samples:
        return DecoderChoice("cpu", "")
    if device.type != "cuda":
        if requested == "cuda":
            raise CabinLensError("--decoder cuda decodes on an NVIDIA GPU: it needs --device cuda")
        return DecoderChoice("cpu", "")
    why_not = problem(samples[0][1].video)
    if why_not:
        if requested == "cuda":
            raise CabinLensError(f"--decoder cuda: {why_not}")
        return DecoderChoice("cpu", f"decoding on the CPU: {why_not}")
    if requested == "cuda":
        return DecoderChoice("cuda", "decoding on the GPU (NVDEC), as asked")
    if len(samples) < WORTH_TIMING:
        return DecoderChoice("cpu", f"decoding on the CPU ({len(samples)} clips: too few to time the GPU decoder)")
    step = len(samples) / CALIBRATION_CLIPS
    probe = [samples[int(k * step)] for k in range(CALIBRATION_CLIPS)]
    cpu, gpu = rate(probe, spec, workers, "cpu"), rate(probe, spec, workers, "cuda")
    faster: Decoder = "cuda" if gpu > cpu else "cpu"
    where = "on the GPU (NVDEC)" if faster == "cuda" else "on the CPU"
    return DecoderChoice(faster, f"decoding {where}: measured on {len(probe)} clips of this job, the GPU decoder "
                                 f"{gpu:.1f} clips/s, {workers} CPU threads {cpu:.1f} clips/s")
