"""Grad-CAM at several layers and in several weightings from ONE forward pass.

The trick of ``gradcam.GradCam`` carries over: the forward runs under ``no_grad`` until the
first hooked layer (in execution order), whose output becomes a detached leaf that switches grad
mode on; later hooked layers are recorded inside that graph. One ``torch.autograd.grad`` per
target asks for the gradient with respect to every hooked activation at once, so the cost is that
of the network after the earliest layer asked for, never a full backward, and no parameter
gradients. Every weighting (``gradcam.WEIGHTINGS``) is then a cheap reduction of the same
activation and gradient; ``gradcam.fuse_maps`` fuses layers as LayerCAM does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from cabinlens.engine.device import autocast, check_precision
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain.gradcam import WEIGHTINGS, GradCam, cam_from, fuse_maps, to_bcthw

#: Top-level modules that are the "blocks" of each family (pools, dropout and heads left out).
_BLOCK_PREFIXES = {
    "i3d": ("Conv3d_", "Mixed_"),
    "c3d": ("bn",),
    "p3d": ("bn1", "layer"),
    "torchvision": ("stem", "layer"),
}


def block_layers(model: nn.Module, spec) -> list[str]:
    """Every block of a model, in forward order, ending with the spec's CAM layer where it is one.

    C3D's blocks are its batch-norm outputs (the shipped CAM layer is ``bn5b``); a C3D without
    batch norm has identities there, so its convolutions are used instead. A token model
    (``models.huggingface.VideoClassifier``) names its own encoder blocks; those after the CAM layer
    are left out (TimeSformer's last block: its patch tokens get no gradient, the head reads only
    the class token).
    """
    if callable(getattr(model, "token_blocks", None)):
        names = list(model.token_blocks())
        if spec.cam_layer in names:
            return names[:names.index(spec.cam_layer) + 1]
        return [*names, spec.cam_layer]
    prefixes = _BLOCK_PREFIXES.get(spec.family, ())
    names = [n for n, _ in model.named_children() if n.startswith(prefixes)]
    if spec.family == "c3d" and not spec.options.get("norm", False):
        names = [n for n, _ in model.named_children() if n.startswith("conv")]
    if spec.cam_layer not in names:
        names.append(spec.cam_layer)
    return names


@dataclass
class MultiCamResult:
    """``maps[layer][weighting]``: (B, K, T', H', W') at that layer's resolution; ``targets`` (B, K)."""

    maps: dict[str, dict[str, torch.Tensor]]
    targets: torch.Tensor
    logits: torch.Tensor
    layers: tuple[str, ...]

    def fused(self, layers: Sequence[str], weighting: str = "layercam") -> torch.Tensor:
        """LayerCAM fusion of ``layers``' maps of one weighting, at the finest of them."""
        return fuse_maps([self.maps[name][weighting] for name in layers])


class MultiLayerCam:
    """Maps at several layers of one model; call it on input batches."""

    def __init__(self, model: nn.Module, layers: Sequence[str], *, layouts: Mapping[str, str] | None = None,
                 precision: str = "float32") -> None:
        modules = dict(model.named_modules())
        missing = [name for name in layers if name not in modules]
        if missing:
            raise CabinLensError(f"the model has no layer {missing[0]!r}")
        if not layers:
            raise CabinLensError("no layers given")
        self.model, self.layers = model, tuple(dict.fromkeys(layers))
        self.layouts = dict(layouts or {})
        # A token model declares the (T', H', W') and the order of its blocks' tokens (as GradCam reads them).
        self.thw = getattr(model, "token_grid", None)
        if getattr(model, "token_layout", None):
            self.layouts = {name: model.token_layout if self.layouts.get(name, "auto") in ("auto", "tokens")
                            else self.layouts[name] for name in self.layers}
        self.precision = check_precision(precision)
        self.modules = {name: modules[name] for name in self.layers}

    @classmethod
    def for_spec(cls, model: nn.Module, spec, layers: Sequence[str] | None = None, *,
                 precision: str = "float32") -> MultiLayerCam:
        """At ``layers`` (default: every block), with the spec's layout for its CAM layer."""
        layers = list(layers) if layers else block_layers(model, spec)
        layouts = {spec.cam_layer: spec.cam_layout} if spec.cam_layer in layers else {}
        if spec.cam_layout in ("tokens", "tokens-hwt", "BTHWC"):
            layouts = {name: spec.cam_layout for name in layers}
        return cls(model, layers, layouts=layouts, precision=precision)

    def __call__(self, x: torch.Tensor, targets: Sequence[Sequence[int]] | torch.Tensor | None = None, *,
                 top: int = 1, weightings: Sequence[str] = ("clip",),
                 extra: Sequence[int] | torch.Tensor | None = None) -> MultiCamResult:
        """Maps of every layer in every weighting for ``targets`` (or the ``top`` predicted classes,
        with ``extra`` appended), all from one forward pass."""
        unknown = [w for w in weightings if w not in WEIGHTINGS]
        if unknown:
            raise ValueError(f"unknown weighting {unknown[0]!r} (use one of {', '.join(WEIGHTINGS)})")
        captured: dict[str, torch.Tensor] = {}
        order: list[str] = []
        batch = x.shape[0]

        def hook_for(name: str):
            def hook(_module, _inputs, output):
                if name in captured:
                    raise CabinLensError(f"layer {name!r} runs more than once in a forward pass; choose another")
                first = output[0] if isinstance(output, tuple) else output
                if not torch.is_grad_enabled():  # the earliest hooked layer: the graph starts here
                    first = first.detach().requires_grad_(True)
                    torch.set_grad_enabled(True)
                captured[name] = first
                order.append(name)
                passed = first.clone()  # in-place ops after the layer must not change what we read
                return (passed, *output[1:]) if isinstance(output, tuple) else passed

            return hook

        handles = [module.register_forward_hook(hook_for(name)) for name, module in self.modules.items()]
        try:
            with torch.no_grad():
                with autocast(x.device, self.precision):
                    logits = self.model(x)
                absent = [name for name in self.layers if name not in captured]
                if absent:
                    raise CabinLensError(f"layer {absent[0]!r} was not used by the model's forward pass")
                if not logits.requires_grad:
                    raise CabinLensError("the output does not depend on the hooked layers")
                with torch.enable_grad():
                    target_idx = GradCam._chosen(logits, targets, top, extra)
                    acts = [captured[name] for name in order]
                    grads: list[tuple[torch.Tensor, ...]] = []
                    k = target_idx.shape[1]
                    for j in range(k):
                        score = logits.gather(1, target_idx[:, j : j + 1]).sum()
                        grads.append(torch.autograd.grad(score, acts, retain_graph=j < k - 1, allow_unused=True))
        finally:
            for handle in handles:
                handle.remove()
        maps: dict[str, dict[str, torch.Tensor]] = {}
        for i, name in enumerate(order):
            layout = self.layouts.get(name, "auto")
            a = to_bcthw(acts[i].detach().float(), batch, name, layout, self.thw)
            per_target = []
            for g in grads:
                if g[i] is None:
                    raise CabinLensError(f"the output does not depend on layer {name!r}")
                per_target.append(to_bcthw(g[i].float(), batch, name, layout, self.thw))
            maps[name] = {w: torch.stack([cam_from(a, g, w) for g in per_target], dim=1) for w in weightings}
        return MultiCamResult({name: maps[name] for name in self.layers}, target_idx, logits.detach().float(),
                              self.layers)
