"""Which registered architecture a state dict belongs to, from its keys and shapes alone.

A bare state dict records no architecture name and no input spec: only parameter names and
shapes. Recognition has two steps:

1. **Family** from marker keys (``Conv3d_1a_7x7`` + ``logits`` is I3D, ``conv1_custom`` is P3D,
   ``stem`` + ``fc`` a torchvision ResNet ...), the number of classes from the head's first dimension,
   and the builder options (``width``, ``fc_width``, ``norm``, ``layers``) from the shapes.
2. **Architecture** by structure: every registered architecture of that family is built on the
   meta device (no memory, no initialisation) and its full key/shape signature compared with the
   file's. Exactly one fits: that is the answer (``i3d_small``, not ``i3d``: their widths differ).
   None fits: the weights are an unregistered variant, built as the closest registered one with the
   inferred options and said so. Several fit (identical parameter shapes, so the weights cannot tell
   them apart): the first registered is assumed, the others are named and ``--arch`` overrides.

No two architectures registered today have identical parameter shapes (a test checks it), but some
differences live outside the parameters and no file can settle them; ``notes`` says so (P3D's A/B/C
blocks, the input spec of any bare state dict).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import torch
from torch import nn

from cabinlens.engine.models.registry import ARCHITECTURES

# (keys that must all be present, the family or the registered architectures they point to, the head's weight)
_MARKERS: tuple[tuple[tuple[str, ...], str | tuple[str, ...], str], ...] = (
    (("Conv3d_1a_7x7.conv3d.weight", "logits.conv3d.weight"), "i3d", "logits.conv3d.weight"),
    (("conv1.weight", "conv5b.weight", "fc6.weight", "fc8.weight"), "c3d", "fc8.weight"),
    (("conv1_custom.weight", "fc.weight"), "p3d", "fc.weight"),
    (("stem.0.weight", "fc.weight"), ("r3d_18", "mc3_18", "r2plus1d_18"), "fc.weight"),
    (("features.0.0.0.weight", "classifier.1.weight"), ("s3d",), "classifier.1.weight"),
    (("conv_proj.weight", "head.1.weight"), ("mvit_v2_s",), "head.1.weight"),
    (("patch_embed.proj.weight", "head.weight"), ("swin3d_t",), "head.weight"),
)

# What the weights of a family cannot tell, whatever the file: said whenever a bare state dict is recognised.
FAMILY_NOTES = {
    "p3d": "P3D's A, B and C blocks have identical parameters (a spatial 1x3x3 and a temporal 3x1x1 convolution); "
           "the public port's cycle A, B, C over layer1-layer3 is assumed",
    "c3d": "C3D ports differ in preprocessing (raw 0-255 RGB, or BGR minus [90, 98, 102]), which the weights "
           "do not record: the registered default is assumed",
}

_HASSONY2 = [
    (re.compile(r"^conv3d_1a_7x7\."), "Conv3d_1a_7x7."),
    (re.compile(r"^conv3d_2b_1x1\."), "Conv3d_2b_1x1."),
    (re.compile(r"^conv3d_2c_3x3\."), "Conv3d_2c_3x3."),
    (re.compile(r"^mixed_(\w\w)\."), r"Mixed_\1."),
    (re.compile(r"\.branch_0\."), ".b0."),
    (re.compile(r"\.branch_1\.0\."), ".b1a."),
    (re.compile(r"\.branch_1\.1\."), ".b1b."),
    (re.compile(r"\.branch_2\.0\."), ".b2a."),
    (re.compile(r"\.branch_2\.1\."), ".b2b."),
    (re.compile(r"\.branch_3\.1\."), ".b3b."),
    (re.compile(r"\.batch3d\."), ".bn."),
    (re.compile(r"^conv3d_0c_1x1\."), "logits."),
]

Signature = dict[str, tuple[int, ...]]


def map_hassony2_i3d(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename hassony2-style I3D keys (conv3d_*, mixed_*, batch3d, branch_*) to ours."""
    out = {}
    for key, value in state.items():
        for pattern, repl in _HASSONY2:
            key = pattern.sub(repl, key)
        out[key] = value
    return out


def normalise_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Other ports' names mapped onto ours (hassony2's I3D), everything else unchanged."""
    if any(k.startswith(("conv3d_1a_7x7.", "mixed_")) for k in state):
        return map_hassony2_i3d(state)
    return state


# ----------------------------------------------------------------------------- signatures
def signature_of(state: dict[str, torch.Tensor]) -> Signature:
    return {k: tuple(v.shape) for k, v in state.items()}


@functools.lru_cache(maxsize=64)
def _cached_signature(arch: str, num_classes: int, options: tuple) -> tuple[tuple[str, tuple[int, ...]], ...] | None:
    try:
        with torch.device("meta"):
            model = ARCHITECTURES[arch].build(num_classes, **dict(options))
    except Exception:  # options the builder cannot take (a width of 0 ...): no such model
        return None
    return tuple((k, tuple(v.shape)) for k, v in model.state_dict().items())


def _hashable(options: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))


def model_signature(arch: str, num_classes: int, options: dict | None = None) -> Signature | None:
    """Keys and shapes of ``arch`` built with ``options`` (its defaults when None), without building it."""
    opts = ARCHITECTURES[arch].spec.options if options is None else options
    found = _cached_signature(arch, num_classes, _hashable(opts))
    return None if found is None else dict(found)


def differences(expected: Signature, found: Signature) -> tuple[list[str], list[str], list[str]]:
    """(missing keys, unexpected keys, shape mismatches) of ``found`` (the file) against ``expected`` (the model)."""
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    shapes = [f"{k}: expected {expected[k]}, found {found[k]}" for k in expected if k in found and expected[k] != found[k]]
    return missing, unexpected, shapes


# ----------------------------------------------------------------------------- recognising
@dataclass(frozen=True)
class Recognition:
    """What the weights are: the registered architecture to build, with which options, and how sure."""

    arch: str  # the registered architecture to build (the closest one for an unregistered variant)
    family: str
    num_classes: int
    options: dict  # complete builder options for ``arch`` (its defaults, or the inferred variant's)
    registered: bool  # the weights are exactly those of ``arch`` as registered
    fits: bool  # a model built as ``arch`` with ``options`` has exactly the file's keys and shapes
    alternatives: tuple[str, ...] = ()  # other registered architectures with identical parameter shapes
    caveats: tuple[str, ...] = ()  # what the user must know: an assumption between twins, an unregistered variant
    notes: tuple[str, ...] = field(default_factory=tuple)  # what the weights of this family can never tell

    def describe(self) -> str:
        """``i3d_small with 34 classes`` / ``a variant of i3d (width 0.5) with 6 classes``."""
        default = ARCHITECTURES[self.arch].spec.options
        changed = {} if self.registered else {k: v for k, v in self.options.items() if default.get(k) != v}
        words = ", ".join(f"{k} {list(v) if isinstance(v, tuple) else v}" for k, v in changed.items())
        what = f"a variant of {self.arch} ({words})" if words else self.arch
        return f"{what} with {self.num_classes} classes"


def _width(state: dict, candidates: list[tuple[str, int]]) -> list[float]:
    """Width multipliers that would give these channel counts (output channels / full-size channels)."""
    out = []
    for key, full in candidates:
        if key in state and state[key].dim() >= 1:
            w = state[key].shape[0] / full
            if w not in out:
                out.append(w)
    return out or [1.0]


def _blocks(state: dict, layer: str) -> int:
    return len({k.split(".")[1] for k in state if k.startswith(layer + ".")})


def _option_candidates(family: str, state: dict) -> list[dict]:
    """Builder options the shapes point to, most likely first (each is verified by building)."""
    if family == "i3d":
        widths = _width(state, [("Conv3d_2c_3x3.conv3d.weight", 192), ("Conv3d_1a_7x7.conv3d.weight", 64),
                                ("Mixed_5c.b0.conv3d.weight", 384)])
        return [{"width": w} for w in widths]
    if family == "c3d":
        widths = _width(state, [("conv5b.weight", 512), ("conv1.weight", 64), ("conv3a.weight", 256)])
        norm = "bn1.weight" in state
        return [{"width": w, "fc_width": int(state["fc6.weight"].shape[0]), "norm": norm} for w in widths]
    if family == "p3d":
        layers = tuple(_blocks(state, f"layer{i}") for i in (1, 2, 3, 4))
        full = [("conv1_custom.weight", 64)]
        if "fc.weight" in state and state["fc.weight"].dim() == 2:
            full.insert(0, ("layer4.0.conv4.weight", 2048))
        return [{"layers": layers, "width": w} for w in _width(state, full)]
    return []


def _closest(names: list[str], options: dict) -> str:
    """The registered architecture whose default options differ least from ``options``."""
    def distance(name: str) -> tuple:
        default = ARCHITECTURES[name].spec.options
        keys = set(default) | set(options)
        full = {"width": 1.0, "fc_width": 4096, "norm": False}
        differ = [k for k in keys if default.get(k, full.get(k)) != options.get(k, full.get(k))]
        depth = abs(sum(default.get("layers", ())) - sum(options.get("layers", ())))
        width = abs(math.log2(float(default.get("width", 1.0)) / max(float(options.get("width", 1.0)), 1e-6)))
        return len(differ), depth, width  # ties: the first registered
    return min(names, key=distance)


def _family_archs(target: str | tuple[str, ...]) -> list[str]:
    if isinstance(target, tuple):
        return [name for name in target if name in ARCHITECTURES]
    return [name for name, arch in ARCHITECTURES.items() if arch.family == target]


def recognise(state: dict[str, torch.Tensor]) -> Recognition | None:
    """The architecture of a state dict (keys already unwrapped and normalised), or None if no family fits."""
    keys = set(state)
    for required, target, head in _MARKERS:
        if not set(required) <= keys:
            continue
        names = _family_archs(target)
        if not names or state[head].dim() < 1:
            continue
        n = int(state[head].shape[0])
        found = signature_of(state)
        exact = [name for name in names if model_signature(name, n) == found]
        family = ARCHITECTURES[names[0]].family
        notes = (FAMILY_NOTES[family],) if family in FAMILY_NOTES else ()
        if exact:
            arch, others = exact[0], tuple(exact[1:])
            caveats = (f"the weights fit {', '.join([arch, *others])} alike (identical parameter shapes): assuming "
                       f"{arch}, the first registered; --arch {others[0]} overrides",) if others else ()
            return Recognition(arch, family, n, dict(ARCHITECTURES[arch].spec.options), True, True, others, caveats, notes)
        candidates = _option_candidates(family, state)
        for options in candidates:
            arch = _closest(names, options)
            merged = {**ARCHITECTURES[arch].spec.options, **options}
            if model_signature(arch, n, merged) == found:
                caveat = (f"not a registered architecture: a variant of {arch}, built with {_words(merged)} "
                          f"(its input spec is {arch}'s)")
                return Recognition(arch, family, n, merged, False, True, (), (caveat,), notes)
        # The family is clear but no variant takes every shape: name the nearest, loading will explain.
        arch = _closest(names, candidates[0]) if candidates else _nearest_by_shapes(names, n, found)
        merged = {**ARCHITECTURES[arch].spec.options, **(candidates[0] if candidates else {})}
        return Recognition(arch, family, n, merged, False, False, (), (), notes)
    return None


def _words(options: dict) -> str:
    return ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in options.items()) or "its defaults"


def _nearest_by_shapes(names: list[str], n: int, found: Signature) -> str:
    def score(name: str) -> int:
        expected = model_signature(name, n) or {}
        return sum(1 for k, shape in found.items() if expected.get(k) == shape)
    return max(names, key=score)


def closest_architectures(state: dict[str, torch.Tensor], top: int = 1) -> list[tuple[str, float]]:
    """Registered architectures ranked by the share of the file's keys they also have (for unknown files)."""
    keys = set(state)
    ranked = []
    for name in ARCHITECTURES:
        expected = model_signature(name, 1)
        if expected:
            ranked.append((name, len(keys & set(expected)) / max(len(keys | set(expected)), 1)))
    ranked.sort(key=lambda item: -item[1])
    return ranked[:top]


def unknown_architecture(state: dict[str, torch.Tensor]) -> str:
    """The problem of a state dict no registered family fits: its first keys, and the closest or the list."""
    sample = ", ".join(list(state)[:4])
    best = closest_architectures(state)
    if best and best[0][1] >= 0.3:
        hint = f"the closest is {best[0][0]} ({best[0][1]:.0%} of keys in common): if it is a variant of it"
    else:
        hint = f"CabinLens builds {', '.join(ARCHITECTURES)}: if it is a variant of one of them"
    return f"a state dict of an unknown architecture ({len(state)} tensors, first keys: {sample}); {hint}, name it with --arch"


def explain_mismatch(model: nn.Module, state: dict[str, torch.Tensor]) -> str:
    """Which keys are missing or unexpected and which shapes differ: expected = the model, found = the file."""
    missing, unexpected, shapes = differences(signature_of(model.state_dict()), signature_of(state))
    parts = []
    for title, items in (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", shapes)):
        if items:
            shown = "; ".join(items[:8]) + (f"; ... {len(items) - 8} more" if len(items) > 8 else "")
            parts.append(f"{len(items)} {title}: {shown}")
    found = recognise(state)
    looks = f"the file looks like {found.describe()}" if found else "the file matches no known family"
    return "; ".join(parts) + f" ({looks})"
