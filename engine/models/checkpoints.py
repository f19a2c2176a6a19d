"""Load checkpoints safely, recognise what they hold, and explain why one does not fit.

Reading (what a file is, ``torch.load(weights_only=True)``, wrappers and prefixes) lives in
``reading``; recognising an architecture from keys and shapes in ``recognise``. Here the two meet:
the model spec comes from the checkpoint's own record (CabinLens's format: a state_dict plus the
model spec and training metadata, all plain data that ``weights_only`` accepts) when it has one,
else from ``--arch``'s default spec, else from the recognised architecture's default spec, and
explicit ``frames``/``size`` replace the input's frames and size; ``LoadedModel.input_source``
says which.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.io import atomic_path, file_sha256
from cabinlens.engine.models.huggingface import hf_folder, load_hf
from cabinlens.engine.models.reading import (
    FORMAT, PREFIXES, WRAPPERS, Checkpoint, CheckpointError, open_checkpoint, read_checkpoint, unwrap,
)
from cabinlens.engine.models.recognise import (
    Recognition, explain_mismatch, map_hassony2_i3d, normalise_keys, recognise, unknown_architecture,
)
from cabinlens.engine.models.registry import ARCHITECTURES, build_model, default_spec
from cabinlens.engine.models.spec import ModelSpec

__all__ = [
    "FIXED_INPUT", "FORMAT", "PREFIXES", "WRAPPERS", "Checkpoint", "CheckpointError", "LoadedModel", "Recognition",
    "explain_mismatch", "load_checkpoint", "load_model", "map_hassony2_i3d", "open_checkpoint", "read_checkpoint",
    "recognise", "save_model", "unwrap", "with_input",
]

# Architectures whose input cannot change: (frames, (height, width)). MViT's token grid is fixed at build time.
FIXED_INPUT = {"mvit_v2_s": (16, (224, 224))}


@dataclass
class LoadedModel:
    model: nn.Module
    spec: ModelSpec
    path: Path | None
    sha256: str
    warnings: list[str] = field(default_factory=list)
    training: dict = field(default_factory=dict)
    input_source: str = ""  # where the input spec came from, in words ("from the checkpoint" ...)
    recognition: Recognition | None = None  # what the weights were recognised as
    notes: list[str] = field(default_factory=list)  # what the weights cannot tell (shown by `models inspect`)

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())


# ----------------------------------------------------------------------------- classes
def sidecar_candidates(path: Path) -> tuple[Path, ...]:
    """Where class names beside a checkpoint are looked for, in order: X.classes.txt, X.json
    (a list, or {"classes": [...]}), classes.txt in the same folder."""
    return path.with_suffix(".classes.txt"), path.with_suffix(".json"), path.parent / "classes.txt"


def _sidecar_classes(path: Path) -> tuple[list[str], Path] | None:
    """(names, the file they came from) of the first class list beside ``path``, or None."""
    for candidate in sidecar_candidates(path):
        if not candidate.is_file():
            continue
        if candidate.suffix == ".json":
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise CheckpointError(candidate, f"class list is not valid JSON: {exc}") from None
            names = data.get("classes") if isinstance(data, dict) else data
            if isinstance(names, list):
                return [str(n) for n in names], candidate
            continue
        try:
            lines = [line.strip() for line in candidate.read_text(encoding="utf-8").splitlines()]
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckpointError(candidate, f"class list cannot be read as text: {exc}") from None
        return [line for line in lines if line], candidate
    return None


def _looked_for(path: Path | None) -> str:
    """Where class names were looked for, in words: the checkpoint, and the files beside it."""
    if path is None:
        return "no class names in the checkpoint"
    names = ", ".join(c.name for c in sidecar_candidates(path))
    folder = "the current folder" if str(path.parent) == "." else path.parent
    return f"no class names in the checkpoint or beside it (looked for {names} in {folder})"


def class_names(meta: dict, path: Path | None, n: int, warnings: list[str]) -> tuple[str, ...]:
    """The class names of a model with an n-class head: the metadata's, else a list beside ``path``, else
    assumed (the 34 Drive&Act classes, or class_i), with a warning saying which."""
    names = meta.get("classes") or meta.get("class_names")
    if names is None and isinstance(meta.get("spec"), dict):
        names = meta["spec"].get("classes")
    if names and not isinstance(names, (list, tuple)):
        warnings.append(f"the checkpoint's class names are a {type(names).__name__}, not a list: ignored")
        names = None
    source = "the checkpoint"
    if not names and path is not None:
        found = _sidecar_classes(path)
        if found is not None:
            names, source = found[0], f"the class list beside it, {found[1].name},"
    if names:
        names = tuple(str(x) for x in names)
        if len(names) != n:
            raise CheckpointError(path or "<memory>", f"{source} names {len(names)} {'class' if len(names) == 1 else 'classes'} but the model's head has {n}")
        return names
    if n == len(DRIVEACT_MIDLEVEL_CLASSES):
        warnings.append(
            f"{_looked_for(path)}: assuming the 34 Drive&Act mid-level classes "
            "in alphabetical order (the order published models use)"
        )
        return DRIVEACT_MIDLEVEL_CLASSES
    warnings.append(f"{_looked_for(path)}: using class_0 ... class_{n - 1}")
    return tuple(f"class_{i}" for i in range(n))


# ----------------------------------------------------------------------------- the input spec
def _size(size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    return (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))


def with_input(spec: ModelSpec, frames: int | None, size: int | tuple[int, int] | None,
               path: str | Path = "<memory>") -> ModelSpec:
    """``spec`` with explicit frames and/or size (a side or (height, width)); refused where the input is fixed."""
    hw = _size(size)
    if (frames is not None and frames < 1) or (hw is not None and min(hw) < 1):
        raise CheckpointError(path, "--frames and --size must be positive")
    new = spec.input.with_(frames=spec.input.frames if frames is None else int(frames), size=hw or spec.input.size)
    fixed = FIXED_INPUT.get(spec.arch)
    if fixed is not None and (new.frames, new.size) != fixed:
        raise CheckpointError(path, f"{spec.arch} takes exactly {fixed[0]}x{fixed[1][0]}x{fixed[1][1]} clips "
                                    "(its token grid is fixed when it is built): --frames/--size cannot change that")
    spec = spec.with_(input=new)
    problem = input_problem(spec)
    if problem:
        raise CheckpointError(path, problem)
    return spec


def input_problem(spec: ModelSpec) -> str:
    """Why the model cannot take its spec's clips ('' when it can), found by a forward pass on the meta device.

    The meta device computes shapes only (no memory, no arithmetic), so a too-short or too-small
    clip is refused before any video is decoded instead of failing in the middle of a run.
    """
    i = spec.input
    try:
        with torch.device("meta"):
            model = ARCHITECTURES[spec.arch].build(1, **spec.options).eval()
            with torch.no_grad():
                model(torch.empty(1, 3, i.frames, *i.size))
    except (RuntimeError, ValueError, IndexError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"{spec.arch} cannot take {i.frames}x{i.size[0]}x{i.size[1]} clips ({reason}): give a longer or larger clip"
    except NotImplementedError:  # an operation without a meta kernel: the shapes cannot be checked here
        return ""
    return ""


def _input_words(spec: ModelSpec) -> str:
    i = spec.input
    lo, hi = i.value_range
    words = f"{i.frames}x{i.size[0]}x{i.size[1]}, {i.channel_order} in [{lo:g}, {hi:g}]"
    if i.mean != (0.0, 0.0, 0.0) or i.std != (1.0, 1.0, 1.0):
        words += f", mean {tuple(round(m, 3) for m in i.mean)}, std {tuple(round(s, 3) for s in i.std)}"
    return words + f", sampling {i.sampling}"


def _override_source(base: str, frames: int | None, size: object) -> str:
    if frames is not None and size is not None:
        return "from --frames/--size"
    return f"{'frames from --frames' if frames is not None else 'size from --size'}, otherwise {base}"


# ----------------------------------------------------------------------------- building
def _head_classes(spec: ModelSpec, state: dict[str, torch.Tensor]) -> int:
    """The number of classes of the head the spec names, read from the file (0 when it is absent)."""
    heads = [v for k, v in state.items() if k.startswith(spec.feature_layer + ".") and k.endswith("weight") and v.dim() >= 2]
    return int(heads[-1].shape[0]) if heads else 0


def _on_meta(model: nn.Module) -> bool:
    tensors = [*model.parameters(), *model.buffers()]
    tensors += [v for m in model.modules() for v in vars(m).values() if isinstance(v, torch.Tensor)]
    return any(t.is_meta for t in tensors)


def _build_and_load(spec: ModelSpec, n: int, state: dict[str, torch.Tensor], path: Path) -> nn.Module:
    """The model of ``spec`` holding ``state``; built on the meta device (no initialisation to throw away)."""
    with torch.device("meta"):
        model = build_model(spec, n)
    expected = model.state_dict()
    if expected.keys() != state.keys() or any(tuple(expected[k].shape) != tuple(state[k].shape) for k in expected):
        raise CheckpointError(path, f"does not fit {spec.arch}: {explain_mismatch(model, state)}")
    prepared, seen = {}, set()
    for key, value in state.items():
        value = value.to(dtype=expected[key].dtype).contiguous()
        if value.numel() and value.untyped_storage().data_ptr() in seen:  # shared storage: own copy per parameter
            value = value.clone()
        seen.add(value.untyped_storage().data_ptr())
        prepared[key] = value
    model.load_state_dict(prepared, strict=True, assign=True)
    if _on_meta(model):  # a tensor the state dict does not hold: build for real and copy
        model = build_model(spec, n)
        model.load_state_dict(state, strict=True)
    return model.eval()


# ----------------------------------------------------------------------------- loading
def _spec_from_record(record: dict, path: Path, arch: str | None) -> ModelSpec:
    try:
        spec = ModelSpec.from_dict(record)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(path, f"its model spec cannot be read ({type(exc).__name__}: {exc})") from None
    if spec.arch not in ARCHITECTURES:
        raise CheckpointError(path, f"records the architecture {spec.arch!r}, which CabinLens does not build "
                                    f"({', '.join(ARCHITECTURES)})")
    if arch is not None and arch != spec.arch:
        raise CheckpointError(path, f"is a {spec.arch} checkpoint, not {arch}")
    return spec


def load_checkpoint(ckpt: Checkpoint, *, arch: str | None = None, classes: list[str] | None = None,
                    frames: int | None = None, size: int | tuple[int, int] | None = None) -> LoadedModel:
    """Recognise and build the model of an opened checkpoint; eval mode, on the CPU."""
    path = ckpt.path
    state, meta = normalise_keys(ckpt.state), ckpt.meta
    warnings: list[str] = []
    found = recognise(state)
    record = meta.get("spec") if isinstance(meta.get("spec"), dict) else None
    if arch is not None and arch not in ARCHITECTURES:
        raise CheckpointError(path, f"--arch {arch!r} is not an architecture CabinLens builds ({', '.join(ARCHITECTURES)})")
    if record is not None:
        spec = _spec_from_record(record, path, arch)
        source = "from the checkpoint"
    elif arch is None:
        if found is None:
            raise CheckpointError(path, unknown_architecture(state))
        spec = default_spec(found.arch).with_(options=dict(found.options))
        source = f"default of {found.arch}, inferred from the weights"
        warnings += found.caveats
    else:
        spec = default_spec(arch)
        source = f"default of {arch}, from --arch"
        if found is not None and found.family == spec.family:  # the weights' width, blocks ... under this name
            spec = spec.with_(options={**spec.options, **found.options})
            if found.arch != arch:
                warnings.append(f"--arch {arch}: the weights are {found.describe()}; built as {arch} with their "
                                f"options ({', '.join(f'{k}={v}' for k, v in spec.options.items()) or 'none'}), "
                                f"input spec of {arch}")
    if frames is not None or size is not None:
        before = spec.input
        spec = with_input(spec, frames, size, path)
        if record is not None and (before.frames, before.size) != (spec.input.frames, spec.input.size):
            warnings.append(f"the checkpoint records {before.frames}x{before.size[0]}x{before.size[1]} clips: "
                            f"using {spec.input.frames}x{spec.input.size[0]}x{spec.input.size[1]} as asked")
        source = _override_source(source, frames, size)
    elif record is None:
        advice = "" if spec.arch in FIXED_INPUT else "; give --frames/--size if it was trained on other clips"
        warnings.append(f"the file records no input spec: using {_input_words(spec)} ({source}){advice}")
    n = len(spec.classes) if record is not None and spec.classes else (
        found.num_classes if found is not None else _head_classes(spec, state))
    model = _build_and_load(spec, max(n, 1), state, path)
    if classes and len(classes) != n:
        raise CheckpointError(path, f"{len(classes)} class names given but the model's head has {n}")
    names = tuple(classes) if classes else class_names(meta, path, n, warnings)
    notes = list(found.notes) if found is not None and record is None else []
    training = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    return LoadedModel(model, spec.with_(classes=names), path, file_sha256(path), warnings, dict(training), source, found, notes)


def load_model(path: str | Path, *, arch: str | None = None, classes: list[str] | None = None,
               frames: int | None = None, size: int | tuple[int, int] | None = None) -> LoadedModel:
    """Read, recognise and build the model of a checkpoint; eval mode, on the CPU.

    Every problem with the file (not a checkpoint, refused, unknown architecture, a mismatch) is a
    ``CheckpointError`` naming the file. A Hugging Face model folder (config.json and weights), or a
    file of one, is read by ``huggingface.load_hf``.
    """
    if hf_folder(path) is not None:
        return load_hf(path, arch=arch, classes=classes, frames=frames, size=size)
    return load_checkpoint(open_checkpoint(path), arch=arch, classes=classes, frames=frames, size=size)


def model_name(path: str | Path) -> str:
    """The name a model is shown under: a checkpoint's stem; a Hugging Face model folder's own name, for
    the folder or any file of it (its config.json or weights would all be called "config" or "model")."""
    folder = hf_folder(path)
    return folder.name if folder is not None else Path(path).stem


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
