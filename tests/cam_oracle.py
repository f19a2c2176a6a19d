"""The independent side of the Grad-CAM tests: a layer's output and its gradient by plain autograd."""

from __future__ import annotations

import torch
from torch import nn


def layer_output_and_gradient(model: nn.Module, layer: str, x: torch.Tensor, clip: int,
                              cls: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole batch's output of ``layer`` (the first of a tuple) and the gradient of logit
    ``(clip, cls)`` with respect to it, from one full backward through the network (input and
    parameters requiring grad), as the paper's Eq. 1 reads it. The layer's output is passed on as a
    copy, so an in-place operation after the layer cannot change what is read."""
    store: dict[str, torch.Tensor] = {}

    def keep(_m, _i, out):
        first = out[0] if isinstance(out, tuple) else out
        first.retain_grad()
        store["a"] = first
        return (first.clone(), *out[1:]) if isinstance(out, tuple) else first.clone()

    handle = dict(model.named_modules())[layer].register_forward_hook(keep)
    try:
        logits = model(x.clone().requires_grad_(True))
        logits[clip, cls].backward()
    finally:
        handle.remove()
    return store["a"].detach(), store["a"].grad.detach()
