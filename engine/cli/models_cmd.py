"""``cabinlens models ...``: which architectures exist, and what a checkpoint holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cabinlens.engine.cli.groups import add_group
from cabinlens.engine.models.checkpoints import CheckpointError, load_model, read_checkpoint, recognise, unwrap
from cabinlens.engine.models.registry import ARCHITECTURES


def register(sub: argparse._SubParsersAction) -> None:
    cmds = add_group(sub, "models", "architectures and checkpoints: list, inspect")
    listing = cmds.add_parser("list", help="architectures CabinLens builds, with their input specs")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
    inspect = cmds.add_parser("inspect", help="family, classes, spec, parameters and problems of a checkpoint")
    inspect.add_argument("file")
    inspect.add_argument("--arch", help="architecture to load it as (default: recognised from the keys)")
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
    try:
        loaded = load_model(path, arch=args.arch)
    except CheckpointError as exc:
        # Still say what the file is, when it can be read at all.
        state, _ = unwrap(read_checkpoint(path), path)
        found = recognise(state)
        report = {
            "file": str(path), "loaded": False, "recognised": found[0] if found else None,
            "num_classes": found[1] if found else None, "tensors": len(state), "problems": [exc.problem],
        }
        print(json.dumps(report, indent=2) if args.json else _text(report))
        return 2
    spec = loaded.spec
    report = {
        "file": str(path), "loaded": True, "architecture": spec.arch, "family": spec.family,
        "num_classes": len(spec.classes), "classes": list(spec.classes), "parameters": loaded.num_parameters,
        "sha256": loaded.sha256, "spec": spec.to_dict(), "training": loaded.training, "problems": loaded.warnings,
    }
    print(json.dumps(report, indent=2) if args.json else _text(report))
    return 0


def _text(r: dict) -> str:
    if not r["loaded"]:
        lines = [r["file"], f"  looks like  {r['recognised'] or 'no known family'}"
                 + (f" with {r['num_classes']} classes" if r["num_classes"] else ""), f"  tensors     {r['tensors']}"]
    else:
        i = r["spec"]["input"]
        lines = [
            r["file"],
            f"  model       {r['architecture']} ({r['family']}), {r['parameters']:,} parameters",
            f"  input       {i['frames']} frames {i['size'][0]}x{i['size'][1]} {i['channel_order']}, range {i['value_range']}, "
            f"mean {i['mean']}, std {i['std']}, sampling {i['sampling']}",
            f"  layers      Grad-CAM {r['spec']['cam_layer']}, embedding = input of {r['spec']['feature_layer']}",
            f"  classes     {r['num_classes']}: {', '.join(r['classes'][:6])}{' ...' if r['num_classes'] > 6 else ''}",
        ]
    training = r.get("training") or {}
    if training.get("history"):
        cfg, last = training.get("config", {}), training["history"][-1]
        data = training.get("synthetic_dataset")
        where = f"synthetic Drive&Act ({data['scale']}, seed {data['seed']})" if data else cfg.get("data", "?")
        val = last.get("val_balanced_top1")
        lines.append(f"  trained     {training.get('epochs_done')} epochs on {where}, split {cfg.get('split')}, seed "
                     f"{cfg.get('seed')}; val balanced top-1 {'n/a' if val is None else f'{val:.1%}'}")
    lines += [f"  problem     {p}" for p in r["problems"]]
    return "\n".join(lines)
