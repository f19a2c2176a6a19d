"""3D Grad-CAM (paper Eq. 1-2) that costs little more than inference.

Eq. 1: ``w_k^c = mean_{t,i,j} dy_c / dA_k^{t,i,j}`` with ``y_c`` the pre-softmax score;
Eq. 2: ``V_c = ReLU(sum_k w_k^c A_k)`` at the layer's resolution T' x H' x W'. The per-time-slice
variant (``mode="time"``) averages the gradient over (i, j) only, one weight per time step.

Why it is fast: the forward pass runs under ``no_grad`` until the CAM layer; a forward hook
detaches the layer's output, marks it as requiring grad and switches grad mode on, so only the
part of the network after the layer records a graph. ``torch.autograd.grad`` then asks for the
gradient with respect to that activation alone: no parameter gradients, no full backward, and
everything stays on the model's device. All target classes come from the same forward pass.
The model's mode and its parameters' ``requires_grad`` are never touched, and the hook is
removed in ``finally`` even when the forward raises.

``precision`` (bfloat16 or float16, CUDA only) autocasts the forward pass alone: the layer's
activation and gradient are read as float32 before Eq. 1-2, so the weights and maps are float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from cabinlens.engine.device import autocast, check_precision
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain.methods import ATTENTION_METHODS, WEIGHTINGS  # noqa: F401 (WEIGHTINGS re-exported)

Mode = Literal["clip", "time"]
#: Every weighting ``cam_from`` knows (``WEIGHTINGS``): the paper's two, then finer ones that cost no
#: extra pass (see ``fine_cam``): HiResCAM's element-wise product, LayerCAM's positive-gradient
#: weighting and Grad-CAM++'s closed form. ``GradCam`` also computes the attention-based maps of a
#: VideoMAE (``ATTENTION_METHODS``, ``explain.attention``), read up to its block instead of at it.
Weighting = Literal["clip", "time", "hires", "layercam", "gradcampp"]


class LayerShapeError(CabinLensError):
    """The CAM layer's output cannot be read as (batch, channels, time, height, width)."""


@dataclass
class CamResult:
    """Maps for each clip and target, at the layer's resolution, with the logits of the same pass.

    ``maps``: (B, K, T', H', W') non-negative; ``targets``: (B, K) class indices; ``logits``:
    (B, num_classes) pre-softmax scores; ``mode`` says which weighting was used.
    """

    maps: torch.Tensor
    targets: torch.Tensor
    logits: torch.Tensor
    mode: Mode
    layer: str

    def map_for(self, clip: int, class_index: int) -> torch.Tensor:
        """The map of ``class_index`` for one clip (already computed: no new forward pass)."""
        hits = (self.targets[clip] == class_index).nonzero()
        if hits.numel() == 0:
            raise KeyError(f"class {class_index} was not a target of clip {clip}; targets: {self.targets[clip].tolist()}")
        return self.maps[clip, int(hits[0])]


def to_bcthw(output: torch.Tensor, batch: int, layer: str, layout: str = "auto", thw: Sequence[int] | None = None) -> torch.Tensor:
    """Read a layer's output as (B, C, T, H, W).

    Layouts: ``BCTHW`` (3D CNNs), ``BTHWC`` (Swin, channels last), ``folded`` ((B*T, C, H, W),
    P3D's 2D layer4), ``tokens`` ((B, 1+T*H*W, C) with a class token, MViT, VideoMAE; needs ``thw``),
    ``tokens-hwt`` (the same with time fastest, (h, w, t) order: TimeSformer).
    ``auto`` takes 5-D as BCTHW, 4-D as folded, 3-D as tokens.
    """
    shape = tuple(output.shape)
    if layout == "auto":
        layout = {5: "BCTHW", 4: "folded", 3: "tokens"}.get(output.dim(), "unknown")
    if layout == "BCTHW" and output.dim() == 5:
        return output
    if layout == "BTHWC" and output.dim() == 5:
        return output.permute(0, 4, 1, 2, 3)
    if layout == "folded" and output.dim() == 4 and shape[0] % batch == 0:
        t = shape[0] // batch
        return output.reshape(batch, t, *shape[1:]).transpose(1, 2)
    if layout == "tokens" and output.dim() == 3 and thw is not None:
        t, h, w = thw
        tokens = output[:, 1:, :] if shape[1] == t * h * w + 1 else output
        if tokens.shape[1] == t * h * w:
            return tokens.reshape(shape[0], t, h, w, shape[2]).permute(0, 4, 1, 2, 3)
    if layout == "tokens-hwt" and output.dim() == 3 and thw is not None:
        t, h, w = thw
        tokens = output[:, 1:, :] if shape[1] == t * h * w + 1 else output
        if tokens.shape[1] == t * h * w:
            return tokens.reshape(shape[0], h, w, t, shape[2]).permute(0, 4, 3, 1, 2)
    raise LayerShapeError(
        f"layer {layer!r} outputs shape {shape} (layout {layout}), which cannot be read as "
        "(batch, channels, time, height, width); choose another layer with --layer"
    )


def cam_from(activation: torch.Tensor, gradient: torch.Tensor, mode: Mode) -> torch.Tensor:
    """Eq. 1-2 for (B, C, T, H, W) activation and gradient -> (B, T, H, W)."""
    if mode == "clip":
        weights = gradient.mean(dim=(2, 3, 4), keepdim=True)  # (B, C, 1, 1, 1)
    elif mode == "time":
        weights = gradient.mean(dim=(3, 4), keepdim=True)  # (B, C, T, 1, 1)
    elif mode in ("hires", "layercam", "gradcampp"):
        return fine_cam(activation, gradient, mode)
    else:
        raise ValueError(f"unknown Grad-CAM mode {mode!r} (use one of {', '.join(WEIGHTINGS)})")
    return torch.relu((weights * activation).sum(dim=1))


def fine_cam(activation: torch.Tensor, gradient: torch.Tensor, mode: str) -> torch.Tensor:
    """The finer weightings for (B, C, T, H, W) activation and gradient -> (B, T, H, W).

    They read the same activation and gradient as Eq. 1-2, so they cost nothing more:
    - ``hires`` (HiResCAM, Draelos & Carin 2020): ``ReLU(sum_k g_k * A_k)`` element-wise; no
      averaging of the gradient, so a cell counts only where its own gradient says so;
    - ``layercam`` (Jiang et al. 2021): ``ReLU(sum_k ReLU(g_k) * A_k)``, each position weighted by
      its own positive gradient (fused over layers by ``fuse_maps``);
    - ``gradcampp`` (Chattopadhay et al. 2018, closed form for an exponential score, as
      pytorch-grad-cam computes it): ``alpha = g^2 / (2 g^2 + sum_{t,i,j} A * g^3)``,
      ``w_k = sum_{t,i,j} alpha * ReLU(g)``, map ``ReLU(sum_k w_k A_k)``.
    """
    if mode == "hires":
        return torch.relu((gradient * activation).sum(dim=1))
    if mode == "layercam":
        return torch.relu((torch.relu(gradient) * activation).sum(dim=1))
    if mode == "gradcampp":
        g2 = gradient.pow(2)
        denominator = 2 * g2 + (activation * gradient.pow(3)).sum(dim=(2, 3, 4), keepdim=True)
        alpha = torch.where(denominator != 0, g2 / torch.where(denominator != 0, denominator, torch.ones_like(denominator)),
                            torch.zeros_like(g2))
        weights = (alpha * torch.relu(gradient)).sum(dim=(2, 3, 4), keepdim=True)
        return torch.relu((weights * activation).sum(dim=1))
    raise ValueError(f"unknown fine weighting {mode!r} (use hires, layercam or gradcampp)")


def fuse_maps(maps: Sequence[torch.Tensor]) -> torch.Tensor:
    """LayerCAM's fusion of several layers' maps (..., T_l, H_l, W_l) -> (..., T, H, W) at the finest.

    Each map is divided by its own maximum (so a coarse layer's larger values do not dominate),
    upsampled trilinearly with half-pixel centres to the largest layer's size, and the element-wise
    maximum is kept: a fine layer can add a small peak (a hand) that the coarse one blurs away.
    """
    if not maps:
        raise ValueError("no maps to fuse")
    size = max((tuple(m.shape[-3:]) for m in maps), key=lambda s: s[0] * s[1] * s[2])
    fused = None
    for m in maps:
        lead = m.shape[:-3]
        flat = m.reshape(-1, 1, *m.shape[-3:]).float()
        peak = flat.flatten(1).amax(1).view(-1, 1, 1, 1, 1)
        flat = flat / torch.where(peak > 0, peak, torch.ones_like(peak))
        if tuple(flat.shape[-3:]) != size:
            flat = torch.nn.functional.interpolate(flat, size=size, mode="trilinear", align_corners=False).clamp_min(0)
        up = flat.reshape(*lead, *size)
        fused = up if fused is None else torch.maximum(fused, up)
    return fused


class GradCam:
    """Grad-CAM of one model at one layer; call it on input batches."""

    def __init__(self, model: nn.Module, layer: str, *, layout: str = "auto", precision: str = "float32") -> None:
        modules = dict(model.named_modules())
        if layer not in modules:
            blocks = list(model.token_blocks()) if callable(getattr(model, "token_blocks", None)) else []
            if blocks:  # a transformer's many modules would hide its blocks in a sample
                raise CabinLensError(f"the model has no layer {layer!r}; its encoder blocks are {blocks[0]} ... {blocks[-1]}")
            sample = ", ".join(n for n in list(modules)[1:12])
            raise CabinLensError(f"the model has no layer {layer!r}; some layers: {sample} ...")
        # A model that declares its token grid (engine.models.huggingface.VideoClassifier) gives the
        # (T', H', W') and token order of every block, so any --layer reads as a volume.
        self.thw = getattr(model, "token_grid", None)
        if layout in ("auto", "tokens") and getattr(model, "token_layout", None):
            layout = model.token_layout
        self.model, self.layer, self.layout = model, layer, layout
        self.precision = check_precision(precision)
        self.module = modules[layer]

    @classmethod
    def for_spec(cls, model: nn.Module, spec, layer: str | None = None, *, precision: str = "float32") -> GradCam:
        """Grad-CAM at ``layer`` (default: the spec's CAM layer) with the layout the spec declares.

        Token (MViT) and channels-last (Swin) layouts hold for every block of those models; a
        folded 2D layer (P3D layer4) is specific to that layer, so other layers are auto-detected.
        """
        layer = layer or spec.cam_layer
        same_kind = layer == spec.cam_layer or spec.cam_layout in ("tokens", "tokens-hwt", "BTHWC")
        return cls(model, layer, layout=spec.cam_layout if same_kind else "auto", precision=precision)

    def __call__(
        self,
        x: torch.Tensor,
        targets: Sequence[Sequence[int]] | torch.Tensor | None = None,
        *,
        top: int = 1,
        mode: str = "clip",
        extra: Sequence[int] | torch.Tensor | None = None,
    ) -> CamResult:
        """Maps for ``targets`` (per clip, K classes each) or, if None, the ``top`` predicted classes.

        ``extra`` (one class per clip, e.g. the ground truth) is appended to the predicted ones, so
        the top-5 and the true class come from the same forward pass.
        """
        if mode in ATTENTION_METHODS:
            return self._attention(x, targets, top, mode, extra)
        captured: dict[str, torch.Tensor] = {}
        batch = x.shape[0]

        def hook(_module, _inputs, output):
            first = output[0] if isinstance(output, tuple) else output
            leaf = first.detach().requires_grad_(True)
            captured["activation"] = leaf
            if isinstance(output, tuple) and len(output) > 1 and isinstance(output[1], (list, tuple)):
                captured["thw"] = tuple(int(v) for v in output[1])
            torch.set_grad_enabled(True)  # record a graph from here on only (restored below)
            passed = leaf.clone()  # in-place ops after the layer (ReLU(inplace)) must not hit the leaf
            return (passed, *output[1:]) if isinstance(output, tuple) else passed

        handle = self.module.register_forward_hook(hook)
        try:
            with torch.no_grad():
                with autocast(x.device, self.precision):
                    logits = self.model(x)
                if "activation" not in captured:
                    raise CabinLensError(f"layer {self.layer!r} was not used by the model's forward pass")
                if not logits.requires_grad:
                    raise CabinLensError(f"the output does not depend on layer {self.layer!r}")
                with torch.enable_grad():
                    target_idx = self._chosen(logits, targets, top, extra)
                    grads = self._gradients(logits, captured["activation"], target_idx)
        finally:
            handle.remove()
        activation = captured["activation"].detach().float()  # float32 already unless autocast ran
        thw = captured.get("thw") or self.thw
        a = to_bcthw(activation, batch, self.layer, self.layout, thw)
        maps = torch.stack([cam_from(a, to_bcthw(g.float(), batch, self.layer, self.layout, thw), mode)
                            for g in grads], dim=1)
        return CamResult(maps, target_idx, logits.detach().float(), mode, self.layer)

    def _attention(self, x: torch.Tensor, targets, top: int, mode: str, extra) -> CamResult:
        """The attention-based maps up to this block (``explain.attention``), as a ``CamResult``."""
        from cabinlens.engine.explain.attention import attention_maps, block_index, check_attention

        check_attention(self.model, mode)
        upto = block_index(self.model, self.layer)
        maps, target_idx, logits = attention_maps(self.model, x, lambda lg: self._chosen(lg, targets, top, extra),
                                                  mode, upto=[upto], precision=self.precision)
        return CamResult(maps[upto], target_idx, logits, mode, self.layer)

    @classmethod
    def _chosen(cls, logits: torch.Tensor, targets, top: int, extra) -> torch.Tensor:
        """``targets``, or the ``top`` predicted classes with ``extra`` (one class per clip) appended."""
        target_idx = cls._targets(logits, targets, top)
        if extra is not None and targets is None:
            more = torch.as_tensor(extra, device=logits.device, dtype=torch.long).view(-1, 1)
            target_idx = torch.cat([target_idx, cls._targets(logits, more, 1)], dim=1)
        return target_idx

    @staticmethod
    def _targets(logits: torch.Tensor, targets, top: int) -> torch.Tensor:
        if targets is None:
            return logits.detach().topk(min(top, logits.shape[1]), dim=1).indices
        t = torch.as_tensor(targets, device=logits.device, dtype=torch.long)
        if t.dim() == 1:
            t = t[:, None]
        if t.shape[0] != logits.shape[0]:
            raise ValueError(f"{t.shape[0]} target rows for a batch of {logits.shape[0]} clips")
        if t.min() < 0 or t.max() >= logits.shape[1]:
            raise ValueError(f"target classes must be in 0..{logits.shape[1] - 1}")
        return t

    @staticmethod
    def _gradients(logits: torch.Tensor, activation: torch.Tensor, targets: torch.Tensor) -> list[torch.Tensor]:
        """dy/dA for each target column; clips are independent, so one sum per column suffices."""
        grads = []
        k = targets.shape[1]
        for j in range(k):
            score = logits.gather(1, targets[:, j : j + 1]).sum()
            (g,) = torch.autograd.grad(score, activation, retain_graph=j < k - 1)
            grads.append(g)
        return grads
