"""``cabinlens models ...``: which architectures exist, and what a checkpoint holds."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from cabinlens.engine.cli.groups import add_group
from cabinlens.engine.models.checkpoints import CheckpointError, load_checkpoint, open_checkpoint
from cabinlens.engine.models.huggingface import hf_folder, load_hf
from cabinlens.engine.models.recognise import normalise_keys, recognise
from cabinlens.engine.models.registry import ARCHITECTURES


def size(text: str) -> tuple[int, int]:
    """``--size``: one side (112) or height x width (112x160)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", text)
    if not match or int(match.group(1)) < 1 or (match.group(2) and int(match.group(2)) < 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: give S (square) or HxW, e.g. 112 or 112x160")
    h = int(match.group(1))
    return h, int(match.group(2) or h)


def frames(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of frames (a positive integer)")
    return int(text)


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """``--frames``/``--size``: the clip the model takes, for files that do not record it (or to override it)."""
    parser.add_argument("--frames", type=frames, metavar="N",
                        help="frames per clip (default: the checkpoint's record, else the architecture's default)")
    parser.add_argument("--size", type=size, metavar="S|HxW",
                        help="input size, one side or HxW (default: the checkpoint's record, else the architecture's)")


def register(sub: argparse._SubParsersAction) -> None:
    cmds = add_group(sub, "models", "architectures and checkpoints: list, inspect")
    listing = cmds.add_parser("list", help="architectures CabinLens builds, with their input specs")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
    inspect = cmds.add_parser("inspect", help="family, classes, spec, parameters and problems of a checkpoint or a Hugging Face model folder")
    inspect.add_argument("file")
    inspect.add_argument("--arch", help="architecture to load it as (default: recognised from the keys and shapes)")
    add_input_options(inspect)
    inspect.add_argument("--json", action="store_true")
    inspect.set_defaults(func=_inspect)


def _list(args: argparse.Namespace) -> int:
    rows = [
        {"name": a.name, "family": a.family, "description": a.description, "cam_layer": a.spec.cam_layer,
         "feature_layer": a.spec.feature_layer, "input": a.spec.input.to_dict()}
        for a in ARCHITECTURES.values()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        i = r["input"]
        print(f"{r['name']:<12} {r['family']:<12} {i['frames']}x{i['size'][0]}x{i['size'][1]}  "
              f"CAM {r['cam_layer']:<10} {r['description']}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if hf_folder(path) is not None:
        return _inspect_hf(path, args)
    ckpt = open_checkpoint(path)  # not a checkpoint at all: one line, exit 2 (cabinlens.engine.cli.main)
    try:
        loaded = load_checkpoint(ckpt, arch=args.arch, frames=args.frames, size=args.size)
    except CheckpointError as exc:
        # Still say what the weights look like.
        state = normalise_keys(ckpt.state)
        found = recognise(state)
        report = {
            "file": str(path), "loaded": False, "recognised": found.describe() if found else None,
            "recognised_architecture": found.arch if found else None,
            "num_classes": found.num_classes if found else None, "tensors": len(state), "problems": [exc.problem],
        }
        print(json.dumps(report, indent=2) if args.json else _text(report))
        print(f"cabinlens: error: {exc}", file=sys.stderr)
        return 2
    spec = loaded.spec
    found = loaded.recognition
    report = {
        "file": str(path), "loaded": True, "architecture": spec.arch, "family": spec.family,
        "recognised": found.describe() if found else None, "wrapper": ckpt.wrapper, "prefix": ckpt.prefix,
        "own_format": ckpt.own_format,
        "num_classes": len(spec.classes), "classes": list(spec.classes), "parameters": loaded.num_parameters,
        "sha256": loaded.sha256, "spec": spec.to_dict(), "input_source": loaded.input_source,
        "training": loaded.training, "problems": loaded.warnings, "notes": loaded.notes,
    }
    print(json.dumps(report, indent=2) if args.json else _text(report))
    return 0


def _inspect_hf(path: Path, args: argparse.Namespace) -> int:
    """A Hugging Face model folder; any problem (an unsupported model type ...) is one line, exit 2."""
    loaded = load_hf(path, arch=args.arch, frames=args.frames, size=args.size)
    spec = loaded.spec
    report = {
        "file": str(path), "loaded": True, "architecture": spec.arch, "family": spec.family, "recognised": None,
        "format": "huggingface", "token_grid": spec.options.get("token_grid"),
        "num_classes": len(spec.classes), "classes": list(spec.classes), "parameters": loaded.num_parameters,
        "sha256": loaded.sha256, "spec": spec.to_dict(), "input_source": loaded.input_source,
        "training": {}, "problems": loaded.warnings, "notes": loaded.notes,
    }
    print(json.dumps(report, indent=2) if args.json else _text(report))
    return 0


def _wrapped(text: str, label: str, width: int = 100) -> list[str]:
    """``text`` in lines of at most ``width`` characters, the first after ``label`` and the rest under it:
    every class name shown, none cut (class names may hold spaces, so only ", " breaks a line)."""
    indent = " " * len(label)
    lines, line = [], label
    for k, part in enumerate(text.split(", ")):
        piece = part if k == 0 else f", {part}"
        if line.strip() and len(line) + len(piece) > width:
            lines.append(line + ",")
            line = indent + part
        else:
            line += piece
    return [*lines, line]


def _text(r: dict) -> str:
    if not r["loaded"]:
        lines = [r["file"], f"  looks like  {r['recognised'] or 'no known family'}", f"  tensors     {r['tensors']}"]
    else:
        i = r["spec"]["input"]
        if r.get("format") == "huggingface":
            t, h, w = r["token_grid"]
            held = f"a Hugging Face {r['spec']['options']['class']} folder; tokens {t}x{h}x{w} (time x height x width)"
        else:
            held = ("CabinLens's format (weights, spec, training record)" if r["own_format"] else
                    "a bare state dict" if not r["wrapper"] else f"weights in {r['wrapper']!r}")
            held += f", prefix {r['prefix']!r} removed" if r["prefix"] else ""
        lines = [
            r["file"],
            f"  model       {r['architecture']} ({r['family']}), {r['parameters']:,} parameters",
            f"  weights     {held}" + (f"; recognised as {r['recognised']}" if r["recognised"] else ""),
            f"  input       {i['frames']}x{i['size'][0]}x{i['size'][1]} ({r['input_source']}), {i['channel_order']}, "
            f"range {i['value_range']}, mean {i['mean']}, std {i['std']}, sampling {i['sampling']}",
            f"  layers      Grad-CAM {r['spec']['cam_layer']}, embedding = input of {r['spec']['feature_layer']}",
            *_wrapped(f"{r['num_classes']}: " + ", ".join(r["classes"]), "  classes     "),
        ]
    training = r.get("training") or {}
    history = training.get("history")
    if isinstance(history, list) and history and isinstance(history[-1], dict):  # CabinLens's training record
        cfg, last = training.get("config") if isinstance(training.get("config"), dict) else {}, history[-1]
        data = training.get("synthetic_dataset")
        where = (f"synthetic Drive&Act ({data.get('scale')}, seed {data.get('seed')})" if isinstance(data, dict)
                 else cfg.get("data", "?"))
        val = last.get("val_balanced_top1")
        val = val if isinstance(val, (int, float)) else None
        lines.append(f"  trained     {training.get('epochs_done')} epochs on {where}, split {cfg.get('split')}, seed "
                     f"{cfg.get('seed')}; val balanced top-1 {'n/a' if val is None else f'{val:.1%}'}")
    lines += [f"  problem     {p}" for p in r["problems"]]
    lines += [f"  note        {n}" for n in r.get("notes", [])]
    return "\n".join(lines)
