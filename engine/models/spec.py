"""What a model needs to analyse it: its input spec, its Grad-CAM and feature layers, its classes.

The engine needs nothing else. Preprocessing differs between ports of the same architecture
(RGB in [-1, 1], BGR minus a mean, ImageNet mean/std), so it is data here, never a constant.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import torch

from cabinlens.engine.video import geometry
from cabinlens.engine.video.sampling import Policy


@dataclass(frozen=True)
class InputSpec:
    """How frames become a model input tensor (B, 3, T, H, W).

    Pixels (uint8, channel order as decoded: RGB) are reordered to ``channel_order``, scaled
    linearly from [0, 255] to ``value_range``, then normalised as ``(x - mean) / std``.
    """

    frames: int
    size: tuple[int, int]  # (height, width)
    channel_order: Literal["RGB", "BGR"] = "RGB"
    value_range: tuple[float, float] = (0.0, 1.0)
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    sampling: Policy = "uniform"
    resize: Literal["stretch", "short_side_center_crop"] = "short_side_center_crop"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> InputSpec:
        data = dict(data)
        for key in ("size", "value_range", "mean", "std"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)

    def with_(self, **changes) -> InputSpec:
        return replace(self, **changes)

    def normalise(self, clip: torch.Tensor) -> torch.Tensor:
        """(B, 3, T, H, W) uint8 RGB at the right size -> float input, on the clip's device."""
        x = clip.float()
        if self.channel_order == "BGR":
            x = x.flip(1)
        lo, hi = self.value_range
        x = x * ((hi - lo) / 255.0) + lo
        mean = torch.tensor(self.mean, device=x.device).view(1, 3, 1, 1, 1)
        std = torch.tensor(self.std, device=x.device).view(1, 3, 1, 1, 1)
        return (x - mean) / std


def input_region(frame_size: tuple[int, int], spec: InputSpec) -> tuple[float, float, float, float]:
    """The part of an original (height, width) frame the model sees (see ``video.geometry``)."""
    return geometry.input_region(frame_size, spec.size, spec.resize)


def resize_frames(frames: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(T, H, W, 3) or (T, H, W) uint8 frames -> (T, h, w, 3) uint8 at the spec's size."""
    import cv2

    if frames.ndim == 3:
        frames = np.repeat(frames[..., None], 3, axis=3)
    h, w = spec.size
    out = np.empty((frames.shape[0], h, w, 3), dtype=np.uint8)
    for k, frame in enumerate(frames):
        rh, rw, top, left = geometry.resized_size(*frame.shape[:2], spec.size, spec.resize)
        resized = cv2.resize(frame, (rw, rh), interpolation=cv2.INTER_AREA)
        out[k] = resized[top : top + h, left : left + w]
    return out


def to_input(frames: np.ndarray, spec: InputSpec, device: torch.device | str = "cpu") -> torch.Tensor:
    """Decoded frames of one clip (T, H, W[, 3]) -> normalised (1, 3, T, h, w) float tensor."""
    resized = resize_frames(frames, spec)
    clip = torch.from_numpy(resized).to(device).permute(3, 0, 1, 2).unsqueeze(0)
    return spec.normalise(clip)


@dataclass(frozen=True)
class ModelSpec:
    """Everything the analysis needs to know about one model besides its weights."""

    arch: str  # registry name, e.g. "i3d", "c3d", "p3d63", "r3d_18"
    family: str  # "i3d", "c3d", "p3d", "torchvision"
    input: InputSpec
    cam_layer: str  # module name whose output Grad-CAM uses
    feature_layer: str  # the classification head: its input (pooled over positions) is the embedding
    cam_layout: str = "auto"  # how the CAM layer's output reads as a volume (see explain.gradcam.to_bcthw)
    classes: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # builder keyword arguments (width, blocks ...)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["input"] = self.input.to_dict()
        data["classes"] = list(self.classes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        data = dict(data)
        data["input"] = InputSpec.from_dict(data["input"])
        data["classes"] = tuple(data.get("classes", ()))
        data["options"] = dict(data.get("options", {}))
        return cls(**data)

    def with_(self, **changes) -> ModelSpec:
        return replace(self, **changes)
