"""Explain one annotated segment of a video: sample, infer, Grad-CAM, and one map per frame.

This is the unit the CLI, the analysis job and the player share: frames are sampled by the
model's own policy, the CAM and logits come from one forward pass, and the maps are mapped back
to every original frame of the segment with the normalisation recorded next to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cabinlens.engine.errors import CabinLensError, InputError
from cabinlens.engine.explain.frames import Normalisation, normalise, time_mapping, to_frames, upsample
from cabinlens.engine.explain.gradcam import GradCam, Mode
from cabinlens.engine.models.spec import ModelSpec, input_region, to_input
from cabinlens.engine.video.reader import VideoReader
from cabinlens.engine.video.sampling import sample_indices


@dataclass
class SegmentCam:
    """Grad-CAM of one segment ``[start, end)`` for K target classes.

    ``layer_maps`` (K, T', H', W') are raw Eq. 2 values; ``frame_maps`` (N, K, h, w) hold one
    normalised map per original frame ``frames`` at the model's input size; ``region`` is where
    that input lies in the original frame (top, left, height, width), for overlays.
    """

    video: Path
    start: int
    end: int
    sampled: np.ndarray
    frames: np.ndarray
    targets: np.ndarray
    classes: tuple[str, ...]
    logits: np.ndarray
    layer_maps: torch.Tensor
    frame_maps: torch.Tensor
    mode: Mode
    layer: str
    normalisation: Normalisation
    scale: np.ndarray
    region: tuple[float, float, float, float]
    input: torch.Tensor | None = None

    @property
    def target_names(self) -> list[str]:
        return [self.classes[int(t)] if int(t) < len(self.classes) else str(int(t)) for t in self.targets]

    def frame_map(self, frame: int, class_index: int) -> np.ndarray:
        """The (h, w) map of an original frame index for a target class."""
        rows = np.flatnonzero(self.frames == frame)
        cols = np.flatnonzero(self.targets == class_index)
        if rows.size == 0 or cols.size == 0:
            raise KeyError(f"frame {frame} / class {class_index} not in this result")
        return self.frame_maps[int(rows[0]), int(cols[0])].numpy()


def resolve_targets(spec: ModelSpec, choice: str | Sequence[int | str], label: str | int | None) -> list[int] | None:
    """``pred`` -> None (predicted classes); ``gt`` -> the label's index; else class indices or names."""
    names = list(spec.classes)

    def index_of(value: int | str) -> int:
        if isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
            i = int(value)
            if not 0 <= i < len(names):
                raise CabinLensError(f"class index {i} is outside 0..{len(names) - 1}")
            return i
        if value not in names:
            raise CabinLensError(f"unknown class {value!r}; the model's classes: {', '.join(names[:8])} ...")
        return names.index(value)

    if choice == "pred":
        return None
    if choice == "gt":
        if label is None:
            raise CabinLensError("--classes gt needs the segment's ground-truth label (--label NAME or INDEX)")
        return [index_of(label)]
    items = [c for c in (choice.split(",") if isinstance(choice, str) else choice) if str(c).strip()]
    if not items:
        raise CabinLensError("no classes given")
    keywords = [str(c).strip() for c in items if str(c).strip() in ("pred", "gt") and str(c).strip() not in names]
    if keywords:
        raise CabinLensError(f"{keywords[0]!r} stands alone in --classes: pred (the top --top predicted classes), gt (the "
                             "--label class), or a list of class names or indices")
    return [index_of(c.strip() if isinstance(c, str) else c) for c in items]


def explain_segment(
    model: nn.Module,
    spec: ModelSpec,
    reader: VideoReader,
    start: int,
    end: int,
    *,
    targets: list[int] | None = None,
    top: int = 1,
    mode: Mode = "clip",
    layer: str | None = None,
    normalisation: Normalisation = "clip",
    scale: float | None = None,
    device: torch.device | str = "cpu",
    keep_input: bool = False,
    precision: str = "float32",
) -> SegmentCam:
    """Sample the segment with the spec's policy, run Grad-CAM once, map the maps to each frame.

    ``precision``: autocast of the forward pass on CUDA (``engine.device``); the maps are float32.
    """
    if not 0 <= start < end <= reader.frame_count:
        raise InputError(reader.path, f"has frames 0..{reader.frame_count - 1}; the segment [{start}, {end}) does not fit")
    sampled = sample_indices(start, end, spec.input.frames, spec.input.sampling)
    x = to_input(reader.frames(sampled), spec.input, device)
    cam = GradCam.for_spec(model, spec, layer, precision=precision)
    result = cam(x, None if targets is None else [targets], top=top, mode=mode)
    layer_maps = result.maps[0]  # (K, T', H', W')
    h, w = spec.input.size
    clip_maps = upsample(layer_maps, (len(sampled), h, w)).transpose(0, 1)  # (T, K, h, w)
    frames = np.arange(start, end, dtype=np.int64)
    per_frame = to_frames(clip_maps, time_mapping(sampled, frames))  # (N, K, h, w)
    # One divisor per target for the whole segment: the per-clip maximum is the clip's, not a frame's.
    per_class = per_frame.transpose(0, 1)  # (K, N, h, w)
    normed, divisor = normalise(per_class, normalisation, scale)
    return SegmentCam(
        video=reader.path,
        start=start,
        end=end,
        sampled=sampled,
        frames=frames,
        targets=result.targets[0].cpu().numpy(),
        classes=tuple(spec.classes),
        logits=result.logits[0].float().cpu().numpy(),
        layer_maps=layer_maps.detach().cpu(),
        frame_maps=normed.transpose(0, 1).contiguous().cpu(),
        mode=mode,
        layer=result.layer,
        normalisation=normalisation,
        scale=divisor.cpu().numpy().astype(np.float32),
        region=input_region((reader.info.height, reader.info.width), spec.input),
        input=x.detach().cpu() if keep_input else None,
    )
