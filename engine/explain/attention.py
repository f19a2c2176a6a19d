"""Attention-based maps of a VideoMAE: attention rollout and gradient-weighted rollout.

Both read the attention matrices ``A_l`` (heads x N x N over the N = T'H'W' tubelet tokens) of every
encoder block, so they need joint space-time attention and no class token: VideoMAE. The maps lie
on the same token grid (T', H', W') as Grad-CAM on a block's tokens, so everything downstream
(upsampling, pointing game, sanity checks, the player) treats them alike.

- ``rollout`` (Abnar & Zuidema 2020): ``R = prod_l (0.5 mean_h A_l + 0.5 I)``, the residual path
  counted as half of each block. It follows how information mixes between tokens, not what the
  class needs: one map for every class. The cascading randomisation shows it (its map survives a
  random head), and the report says so.
- ``attngrad`` (Chefer, Gur & Wolf 2021, "Generic attention-model explainability"):
  ``R = I``, then per block ``R += mean_h ReLU(dy_c/dA_l * A_l) @ R``: each head's attention weighted
  by how much the class score depends on it, so the map is class-specific.

The model's head pools the last block's tokens (mean pooling with ``fc_norm``, else token 0); a
token's relevance is then the pooled row of ``R`` (for ``attngrad`` of ``R - I``, whose identity
adds the same amount to every token). The maps up to block ``L`` use the blocks 0..L.

Cost: the blocks must compute their attention explicitly (eager), and ``attngrad`` needs one
backward pass through all blocks per target class (Grad-CAM stops at its layer).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from cabinlens.engine.device import autocast
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain.methods import ATTENTION_METHODS, WEIGHTINGS



def attention_modules(model: nn.Module) -> list[nn.Module]:
    """The self-attention module of each encoder block, input to output; empty where the model has no
    joint space-time attention that these methods can read."""
    hf = getattr(model, "hf", None)
    if hf is None or getattr(getattr(hf, "config", None), "model_type", None) != "videomae":
        return []
    return [layer.attention.attention for layer in hf.videomae.encoder.layer]


def check_attention(model: nn.Module, method: str, what: str = "the model") -> None:
    """One line when ``method`` cannot explain ``model`` (a CNN, or TimeSformer's divided attention)."""
    if attention_modules(model):
        return
    raise CabinLensError(refusal(method, what, getattr(getattr(getattr(model, "hf", None), "config", None), "model_type", None)))


def refusal(method: str, what: str, model_type: str | None) -> str:
    """Why ``method`` cannot explain a model of ``model_type`` (a Hugging Face type, None for others)."""
    why = ("its divided attention (time, then space, with a class token) is not one matrix over the tokens"
           if model_type == "timesformer" else "it has no attention")
    return (f"{method} reads a VideoMAE's space-time attention; {what} cannot be explained that way ({why}): "
            f"use a Grad-CAM weighting ({', '.join(WEIGHTINGS)})")


def block_index(model: nn.Module, layer: str) -> int:
    """The encoder block a layer name (``hf.videomae.encoder.layer.L``) stands for."""
    blocks = list(model.token_blocks()) if callable(getattr(model, "token_blocks", None)) else []
    if layer not in blocks:
        raise CabinLensError(f"attention maps are read up to an encoder block; {layer!r} is none of "
                             f"{blocks[0]} ... {blocks[-1]}" if blocks else f"the model has no encoder blocks ({layer!r})")
    return blocks.index(layer)


@contextlib.contextmanager
def _eager(modules: Sequence[nn.Module]) -> Iterator[None]:
    """The blocks compute their attention explicitly and return it (SDPA and flash attention do not)."""
    configs = {id(m.config): m.config for m in modules}.values()
    before = [(c, c._attn_implementation_internal) for c in configs]
    try:
        for c, _ in before:
            c._attn_implementation_internal = "eager"
        yield
    finally:
        for c, value in before:
            c._attn_implementation_internal = value


def attention_maps(model: nn.Module, x: torch.Tensor, targets: torch.Tensor | Callable[[torch.Tensor], torch.Tensor],
                   method: str, *, upto: Sequence[int] | None = None,
                   precision: str = "float32") -> tuple[dict[int, torch.Tensor], torch.Tensor, torch.Tensor]:
    """``({block: (B, K, T', H', W')}, targets (B, K), logits (B, classes))`` from one forward pass.

    ``targets``: class indices (B, K), or a function that chooses them from the logits (the top
    predicted classes). ``upto``: the blocks whose maps are returned (default: the last one).
    """
    if method not in ATTENTION_METHODS:
        raise ValueError(f"unknown attention method {method!r} (use {', '.join(ATTENTION_METHODS)})")
    modules = attention_modules(model)
    if not modules:
        check_attention(model, method)
    wanted = sorted(set(upto if upto is not None else [len(modules) - 1]))
    captured: list[torch.Tensor] = []

    def hook(_module, _inputs, output):
        probs = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if probs is None:
            raise CabinLensError("the attention module did not return its attention matrix")
        captured.append(probs)

    def start_graph(_module, _inputs, output):  # the graph starts at the embeddings: no parameter gradients
        leaf = output.detach().requires_grad_(True)
        torch.set_grad_enabled(True)
        return leaf

    handles = [m.register_forward_hook(hook) for m in modules]
    if method == "attngrad":
        handles.append(model.hf.videomae.embeddings.register_forward_hook(start_graph))
    try:
        with _eager(modules), torch.no_grad(), autocast(x.device, precision):
            logits = model(x)
            targets = (targets(logits) if callable(targets) else torch.as_tensor(targets)).to(logits.device).long()
            grads: list[tuple[torch.Tensor, ...]] = []
            if method == "attngrad":
                with torch.enable_grad():
                    k = targets.shape[1]
                    for j in range(k):
                        score = logits.gather(1, targets[:, j : j + 1]).sum()
                        grads.append(torch.autograd.grad(score, captured, retain_graph=j < k - 1))
    finally:
        for h in handles:
            h.remove()
    attns = [a.detach() for a in captured]
    batch, n = attns[0].shape[0], attns[0].shape[-1]
    # The head's pooling as a row vector: the mean of the last block's tokens (fc_norm), else token 0.
    if getattr(model.hf, "fc_norm", None) is not None:
        pooled = torch.full((batch, 1, n), 1.0 / n, device=attns[0].device)
    else:
        pooled = torch.zeros(batch, 1, n, device=attns[0].device)
        pooled[:, :, 0] = 1.0
    t, h, w = model.token_grid
    out: dict[int, list[torch.Tensor]] = {}
    if method == "rollout":
        eye = torch.eye(n, device=attns[0].device)
        steps = []
        for a in attns[:wanted[-1] + 1]:
            step = 0.5 * a.float().mean(dim=1) + 0.5 * eye
            steps.append(step / step.sum(dim=-1, keepdim=True))
        for last in wanted:  # pooled @ A_last @ ... @ A_0: vector times matrix, not N^3 products
            v = pooled
            for step in reversed(steps[:last + 1]):
                v = torch.bmm(v, step)
            out[last] = [v[:, 0]] * targets.shape[1]  # the same map for every class
    else:
        for g in grads:
            weighted = [torch.relu(d.float() * a.float()).mean(dim=1) for a, d in zip(attns[:wanted[-1] + 1], g)]
            for last in wanted:
                # pooled @ (I + A_last) ... (I + A_0) - pooled, kept apart from the pooled row (in float32,
                # 1/N + 1e-9 is 1/N): u <- u + (pooled + u) @ A
                u = torch.zeros_like(pooled)
                for a in reversed(weighted[:last + 1]):
                    u = u + torch.bmm(pooled + u, a)
                out.setdefault(last, []).append(u[:, 0])
    maps = {i: torch.stack(v, dim=1).reshape(batch, -1, t, h, w).clamp_min(0) for i, v in out.items()}
    return maps, targets, logits.detach().float()
