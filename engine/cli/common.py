"""Arguments several commands share: a model given as a checkpoint or an architecture, a device."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.errors import InputError
from cabinlens.engine.models.checkpoints import load_model
from cabinlens.engine.models.registry import ARCHITECTURES, build_model, default_spec
from cabinlens.engine.models.spec import ModelSpec


def model_from_arg(name: str, arch: str | None = None) -> tuple[nn.Module, ModelSpec, str, str]:
    """(model, spec, display name, weights id) for a checkpoint path or an architecture name.

    An architecture name gives random weights (seed 0) over the 34 Drive&Act classes, with a
    warning: useful to try the tool, meaningless as a result. The weights id is the checkpoint's
    SHA-256, or ``random:<arch>:0``.
    """
    path = Path(name)
    if path.exists():
        loaded = load_model(path, arch=arch)
        for warning in loaded.warnings:
            print(f"cabinlens: warning: {warning}", file=sys.stderr)
        return loaded.model, loaded.spec, path.stem, loaded.sha256
    if name in ARCHITECTURES:
        print(f"cabinlens: warning: {name} with random weights: results show the tool, not a trained model",
              file=sys.stderr)
        spec = default_spec(name, DRIVEACT_MIDLEVEL_CLASSES)
        torch.manual_seed(0)
        return build_model(spec), spec, f"{name} (random)", f"random:{name}:0"
    raise InputError(path, f"is neither a file nor an architecture ({', '.join(ARCHITECTURES)})")


def device_from_arg(choice: str) -> torch.device:
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(choice)
    except RuntimeError:
        raise InputError(choice, "is not a device (use auto, cpu, cuda or cuda:N)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(choice, "no CUDA device is available here; use --device cpu")
    return device


def progress_bar(label: str, p) -> None:
    """A redrawn bar on a terminal; in a log, a line at every quarter. ``p`` has ``done``, ``total``
    and optionally ``eta`` (the analysis runner's ``Progress``, a ``progress.Message``)."""
    if not p.total:
        return
    if not sys.stderr.isatty():
        if p.done == p.total or p.done * 4 // p.total != (p.done - 1) * 4 // p.total:
            print(f"  {label}: {p.done}/{p.total}", file=sys.stderr, flush=True)
        return
    width = 30
    filled = int(width * p.done / p.total)
    eta = getattr(p, "eta", None)
    eta = "" if eta is None else f" ETA {int(eta // 60)}:{int(eta % 60):02d}"
    print(f"\r  {label[:40]:<40} [{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total}{eta}   ",
          end="\n" if p.done >= p.total else "", file=sys.stderr, flush=True)
