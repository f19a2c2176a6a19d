"""Cascading model-parameter randomisation (Adebayo et al. 2018, "Sanity checks for saliency maps").

The model's top-level blocks that hold parameters are re-initialised one after another from the
output down (on a copy: the model itself is never touched); after each step the maps of the same
clips and classes are compared with the trained model's by Spearman rank correlation and SSIM.
An explanation of the model must change as its weights are destroyed; a method whose maps
survive (stay correlated when every block is random) explains the input, not the model, and
fails. Re-initialising means each module's own ``reset_parameters`` (PyTorch's default init; a
batch norm also forgets its running statistics), under a fixed seed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cabinlens.engine.explain.gradcam import GradCam, Mode
from cabinlens.engine.explain.sanity.similarity import spearman, ssim
from cabinlens.engine.explain.sanity.verdicts import SURVIVAL, randomisation_failure  # noqa: F401 (SURVIVAL re-exported)

#: A map method: (model, input batch, one target class per clip) -> (B, T', H', W') maps.
MapMethod = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


def gradcam_method(spec, mode: Mode = "clip", layer: str | None = None) -> MapMethod:
    """Grad-CAM at the spec's CAM layer (or ``layer``) with the given weighting."""
    def method(model: nn.Module, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return GradCam.for_spec(model, spec, layer)(x, targets, mode=mode).maps[:, 0]
    return method


def cascade_order(model: nn.Module, x: torch.Tensor) -> list[str]:
    """Top-level children with parameters, from the output down (by the order the forward pass calls
    them, which differs from their registration order in some models, e.g. C3D's batch norms).

    A model that names its own units (``cascade_blocks``: a Hugging Face transformer, whose one
    top-level child wraps everything) is cascaded over those: head, final norm, each encoder block
    from the top, the embeddings."""
    called: list[str] = []
    modules = dict(model.named_modules())
    if callable(getattr(model, "cascade_blocks", None)):
        units = [(name, modules[name]) for name in model.cascade_blocks()]
    else:
        units = [(name, child) for name, child in model.named_children() if any(True for _ in child.parameters())]
    handles = [child.register_forward_pre_hook(lambda _m, _i, name=name: called.append(name) if name not in called else None)
               for name, child in units]
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        for h in handles:
            h.remove()
    return called[::-1]


@dataclass(frozen=True)
class RandomisationStep:
    block: str  # the block re-initialised at this step (all blocks of earlier steps stay random)
    spearman: np.ndarray  # (N,) per clip, against the trained model's map
    ssim: np.ndarray  # (N,)

    @property
    def mean_spearman(self) -> float:
        return float(np.mean(self.spearman))

    @property
    def mean_ssim(self) -> float:
        return float(np.mean(self.ssim))


@dataclass(frozen=True)
class RandomisationResult:
    steps: tuple[RandomisationStep, ...]  # top block first, the whole model random last
    clips: int

    @property
    def passed(self) -> bool:
        """Whether the maps change from the first step (the head) on and decorrelate with every block
        random (``verdicts.randomisation_failure``)."""
        first, last = self.steps[0], self.steps[-1]
        return not randomisation_failure((first.mean_spearman, first.mean_ssim), (last.mean_spearman, last.mean_ssim))

    def per_class(self, labels) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        """(class, clips, mean Spearman at each step, mean SSIM at each step) of each class of ``labels``
        (the class of each checked clip, in the clips' order), classes in ascending order."""
        labels = np.asarray(labels)
        if len(labels) != self.clips:
            raise ValueError(f"{len(labels)} labels for {self.clips} clips")
        out = []
        for c in np.unique(labels):
            of = labels == c
            out.append((int(c), int(of.sum()), np.array([float(np.mean(st.spearman[of])) for st in self.steps]),
                        np.array([float(np.mean(st.ssim[of])) for st in self.steps])))
        return out


def _randomise(block: nn.Module) -> None:
    """Each module's own ``reset_parameters``; the parameters of a module without one (a transformer's
    class token, position and time embeddings) are drawn from a truncated normal of std 0.02, the
    initialisation of ViT-style models."""
    for module in block.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset):
            reset()
        else:
            with torch.no_grad():
                for p in module.parameters(recurse=False):
                    nn.init.trunc_normal_(p, std=0.02)


def _maps(method: MapMethod, model: nn.Module, x: torch.Tensor, targets: torch.Tensor, batch: int) -> torch.Tensor:
    return torch.cat([method(model, x[i:i + batch], targets[i:i + batch]).detach().float()
                      for i in range(0, len(x), batch)])


def cascading_randomisation(model: nn.Module, spec, clips: torch.Tensor, targets: torch.Tensor | Sequence[int], *,
                            method: MapMethod | None = None, blocks: Sequence[str] | None = None,
                            batch_size: int = 8, seed: int = 0) -> RandomisationResult:
    """Compare ``method``'s maps (default: the spec's Grad-CAM) of ``clips`` (normalised, (N, 3, T, H, W), on
    the model's device) for ``targets`` before and after each cascading step; ``blocks`` (default
    ``cascade_order``) chooses the steps, top first."""
    method = method or gradcam_method(spec)
    targets = torch.as_tensor(targets, device=clips.device, dtype=torch.long)
    trained = _maps(method, model, clips, targets, batch_size)
    blocks = list(blocks) if blocks is not None else cascade_order(model, clips)
    broken = copy.deepcopy(model).eval()
    children = dict(broken.named_modules())
    devices = [clips.device] if clips.device.type == "cuda" else []
    steps = []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for name in blocks:
            _randomise(children[name])
            maps = _maps(method, broken, clips, targets, batch_size)
            steps.append(RandomisationStep(name, spearman(trained, maps).cpu().numpy(),
                                           ssim(trained, maps).cpu().numpy()))
    return RandomisationResult(tuple(steps), len(clips))
