"""Load checkpoints safely, recognise what they hold, and explain why one does not fit.

A checkpoint is untrusted input: it is read with ``torch.load(weights_only=True)`` only, so a
file that would run code when unpickled is refused before anything in it runs. Files arrive as
a raw state_dict or wrapped (``state_dict``, ``model_state_dict``, ``student_model_state_dict``,
``model``), often with ``module.`` prefixes; the family comes from the keys and the number of
classes from the head. CabinLens's own format is a state_dict plus the model spec and training
metadata, all plain data that ``weights_only`` accepts.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path
from cabinlens.engine.models.p3d import DEPTHS
from cabinlens.engine.models.registry import build_model, default_spec
from cabinlens.engine.models.spec import ModelSpec

FORMAT = "cabinlens-checkpoint"
WRAPPERS = ("state_dict", "model_state_dict", "student_model_state_dict", "model")
PREFIXES = ("module.", "model.")


class CheckpointError(InputError):
    """A checkpoint that cannot be read, is refused, or does not fit its architecture."""


@dataclass
class LoadedModel:
    model: nn.Module
    spec: ModelSpec
    path: Path | None
    sha256: str
    warnings: list[str] = field(default_factory=list)
    training: dict = field(default_factory=dict)

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())


# ----------------------------------------------------------------------------- reading
def read_checkpoint(path: str | Path) -> object:
    """``torch.load(weights_only=True)`` with every failure turned into a clear message."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "file not found" if not path.exists() else "is not a file")
    if path.stat().st_size == 0:
        raise CheckpointError(path, "the file is empty")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        detail = str(exc).split("\n")
        culprit = next((line.strip() for line in detail if "global" in line.lower()), None)
        if culprit is None:  # not a pickle of objects at all: garbage or another format
            raise CheckpointError(path, "not a readable PyTorch checkpoint (damaged or another format)") from None
        raise CheckpointError(
            path,
            f"refused: loading it would run code or build objects that are not plain weights ({culprit}). "
            "Re-save it as a state_dict (torch.save(model.state_dict(), ...)) from code you trust",
        ) from None
    except (RuntimeError, zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        first = str(exc).split("\n")[0][:200]
        raise CheckpointError(path, f"not a readable PyTorch checkpoint (damaged or another format): {first}") from None


def unwrap(obj: object, path: Path | str = "<memory>") -> tuple[dict[str, torch.Tensor], dict]:
    """(state_dict, metadata) from a raw or wrapped checkpoint; prefixes stripped."""
    meta: dict = {}
    if isinstance(obj, dict) and obj.get("format") == FORMAT:
        meta = {k: v for k, v in obj.items() if k != "state_dict"}
        obj = obj["state_dict"]
    elif isinstance(obj, dict):
        for key in WRAPPERS:
            inner = obj.get(key)
            if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                meta = {k: v for k, v in obj.items() if k != key}
                obj = inner
                break
    if not isinstance(obj, dict) or not obj:
        raise CheckpointError(path, f"holds no state_dict (found {type(obj).__name__})")
    tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError(path, "holds no tensors")
    for prefix in PREFIXES:
        if all(k.startswith(prefix) for k in tensors):
            tensors = {k[len(prefix):]: v for k, v in tensors.items()}
    return tensors, meta


# ----------------------------------------------------------------------------- recognising
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


def map_hassony2_i3d(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename hassony2-style I3D keys (conv3d_*, mixed_*, batch3d, branch_*) to ours."""
    out = {}
    for key, value in state.items():
        for pattern, repl in _HASSONY2:
            key = pattern.sub(repl, key)
        out[key] = value
    return out


def _blocks(state: dict, layer: str) -> int:
    return len({k.split(".")[1] for k in state if k.startswith(layer + ".")})


def recognise(state: dict[str, torch.Tensor]) -> tuple[str, int, dict] | None:
    """(architecture, number of classes, builder options) from the keys, or None."""
    keys = set(state)
    if "Conv3d_1a_7x7.conv3d.weight" in keys and "logits.conv3d.weight" in keys:
        width = state["Conv3d_1a_7x7.conv3d.weight"].shape[0] / 64
        n = state["logits.conv3d.weight"].shape[0]
        return ("i3d", n, {}) if width == 1 else ("i3d", n, {"width": width})
    if {"conv1.weight", "conv5b.weight", "fc6.weight", "fc8.weight"} <= keys:
        width = state["conv1.weight"].shape[0] / 64
        fc = state["fc6.weight"].shape[0]
        options = {} if (width == 1 and fc == 4096) else {"width": width, "fc_width": fc}
        if "bn1.weight" in keys:
            options["norm"] = True
        return "c3d", state["fc8.weight"].shape[0], options
    if "conv1_custom.weight" in keys and "fc.weight" in keys:
        layers = tuple(_blocks(state, f"layer{i}") for i in (1, 2, 3, 4))
        width = state["conv1_custom.weight"].shape[0] / 64
        named = next((name for name, depth in DEPTHS.items() if depth == layers), None)
        options: dict = {"layers": layers}
        if width != 1:
            options["width"] = width
        return (named or "p3d63"), state["fc.weight"].shape[0], options
    if "stem.0.weight" in keys and "fc.weight" in keys:
        n = state["fc.weight"].shape[0]
        if "stem.3.weight" in keys:
            return "r2plus1d_18", n, {}
        kernel = tuple(state["layer2.0.conv1.0.weight"].shape[2:]) if "layer2.0.conv1.0.weight" in keys else ()
        return ("mc3_18" if kernel == (1, 3, 3) else "r3d_18"), n, {}
    if "classifier.1.weight" in keys and state["classifier.1.weight"].dim() == 5:
        return "s3d", state["classifier.1.weight"].shape[0], {}
    if "conv_proj.weight" in keys and "head.1.weight" in keys:
        return "mvit_v2_s", state["head.1.weight"].shape[0], {}
    if "patch_embed.proj.weight" in keys and "head.weight" in keys:
        return "swin3d_t", state["head.weight"].shape[0], {}
    return None


def explain_mismatch(model: nn.Module, state: dict[str, torch.Tensor]) -> str:
    """Which keys are missing or unexpected and which shapes differ (expected vs found)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [
        f"{k}: expected {tuple(expected[k].shape)}, found {tuple(state[k].shape)}"
        for k in expected
        if k in state and expected[k].shape != state[k].shape
    ]
    parts = []
    for title, items in (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", shapes)):
        if items:
            shown = "; ".join(items[:8]) + (f"; ... {len(items) - 8} more" if len(items) > 8 else "")
            parts.append(f"{len(items)} {title}: {shown}")
    found = recognise(state)
    looks = f"the file looks like {found[0]} with {found[1]} classes" if found else "the file matches no known family"
    return "; ".join(parts) + f" ({looks})"


# ----------------------------------------------------------------------------- classes
def _sidecar_classes(path: Path) -> list[str] | None:
    for candidate in (path.with_suffix(".classes.txt"), path.with_suffix(".json"), path.parent / "classes.txt"):
        if not candidate.is_file():
            continue
        if candidate.suffix == ".json":
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise CheckpointError(candidate, f"class list is not valid JSON: {exc}") from None
            names = data.get("classes") if isinstance(data, dict) else data
            if isinstance(names, list):
                return [str(n) for n in names]
            continue
        lines = [line.strip() for line in candidate.read_text(encoding="utf-8").splitlines()]
        return [line for line in lines if line]
    return None


def _class_names(meta: dict, path: Path | None, n: int, warnings: list[str]) -> tuple[str, ...]:
    names = meta.get("classes") or meta.get("class_names")
    if names is None and isinstance(meta.get("spec"), dict):
        names = meta["spec"].get("classes")
    source = "the checkpoint"
    if not names and path is not None:
        names, source = _sidecar_classes(path), "the class list beside it"
    if names:
        names = tuple(str(x) for x in names)
        if len(names) != n:
            raise CheckpointError(path or "<memory>", f"{source} names {len(names)} classes but the model's head has {n}")
        return names
    if n == len(DRIVEACT_MIDLEVEL_CLASSES):
        warnings.append(
            "no class names in the checkpoint or beside it: assuming the 34 Drive&Act mid-level classes "
            "in alphabetical order (the order published models use)"
        )
        return DRIVEACT_MIDLEVEL_CLASSES
    warnings.append(f"no class names in the checkpoint or beside it: using class_0 ... class_{n - 1}")
    return tuple(f"class_{i}" for i in range(n))


# ----------------------------------------------------------------------------- loading
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_model(path: str | Path, *, arch: str | None = None, classes: list[str] | None = None) -> LoadedModel:
    """Read, recognise and build the model of a checkpoint; eval mode, on the CPU."""
    path = Path(path)
    state, meta = unwrap(read_checkpoint(path), path)
    warnings: list[str] = []
    if any(k.startswith(("conv3d_1a_7x7.", "mixed_")) for k in state):
        state = map_hassony2_i3d(state)
    found = recognise(state)
    if isinstance(meta.get("spec"), dict):
        spec = ModelSpec.from_dict(meta["spec"])
        if arch is not None and arch != spec.arch:
            raise CheckpointError(path, f"is a {spec.arch} checkpoint, not {arch}")
        n = len(spec.classes) if spec.classes else (found[1] if found else 0)
    else:
        if arch is None and found is None:
            sample = ", ".join(list(state)[:5])
            raise CheckpointError(path, f"matches no known architecture (first keys: {sample}); name one with --arch")
        name = arch or found[0]
        n = found[1] if found else 0
        spec = default_spec(name)
        if found and found[0].split("_")[0][:3] == name.split("_")[0][:3]:
            spec = spec.with_(options={**spec.options, **found[2]})
    names = tuple(classes) if classes else _class_names(meta, path, n, warnings)
    if classes and len(classes) != n:
        raise CheckpointError(path, f"{len(classes)} class names given but the model's head has {n}")
    spec = spec.with_(classes=names)
    model = build_model(spec)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        raise CheckpointError(path, f"does not fit {spec.arch}: {explain_mismatch(model, state)}") from None
    model.eval()
    return LoadedModel(model, spec, path, _sha256(path), warnings, dict(meta.get("training", {})))


def save_model(path: str | Path, model: nn.Module, spec: ModelSpec, training: dict | None = None) -> Path:
    """Write CabinLens's format atomically: weights, spec and training record, all plain data."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": 1,
        "spec": spec.to_dict(),
        "training": dict(training or {}),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path
