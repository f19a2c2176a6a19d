"""``cabinlens cam MODEL VIDEO --start S --end E --out OUT.npz``: Grad-CAM of one segment."""

from __future__ import annotations

import argparse

import torch

from cabinlens.engine.cli.common import add_precision_option, warn
from cabinlens.engine.cli.models_cmd import add_input_options
from cabinlens.engine.explain.methods import ATTENTION_METHODS, METHOD_WORDS, METHODS
from cabinlens.engine.errors import InputError
from cabinlens.engine.explain.export import cam_arrays, write_npz, write_overlays
from cabinlens.engine.explain.normalisation import NORMALISATIONS
from cabinlens.engine.explain.segment import explain_segment, resolve_targets
from cabinlens.engine.video.reader import VideoReader


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cam",
        help="3D Grad-CAM of one segment: maps per frame, logits, overlays",
        description="Grad-CAM (paper Eq. 1-2) of the segment [START, END) of VIDEO. MODEL is a checkpoint, "
        "or an architecture name for random weights (to try the tool).",
    )
    p.add_argument("model", metavar="MODEL_OR_CHECKPOINT")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("--start", type=int, required=True, help="first frame (0-based)")
    p.add_argument("--end", type=int, required=True, help="end frame, exclusive (as in Drive&Act CSVs)")
    p.add_argument("--classes", default="pred", help="pred (default), gt, or class indices/names: 3,7 or eating")
    p.add_argument("--top", type=int, default=1, help="with --classes pred: how many predicted classes")
    p.add_argument("--label", help="the segment's ground-truth class (name or index), for --classes gt")
    p.add_argument("--mode", choices=METHODS, default="clip",
                   help="clip: weights averaged over space and time (Eq. 1, the paper's); time: per time slice; "
                        "hires: element-wise gradient x activation; layercam: element-wise positive gradient x "
                        "activation; gradcampp: Grad-CAM++; for a VideoMAE also rollout (attention rollout, one "
                        "map for every class) and attngrad (gradient-weighted rollout), read up to --layer "
                        "(see README, 'How far the maps can be trusted')")
    p.add_argument("--layer", help="layer name (default: the model's CAM layer)")
    p.add_argument("--normalise", choices=NORMALISATIONS, default="clip", help="per clip (default), dataset, raw")
    p.add_argument("--scale", type=float, help="the dataset's divisor, for --normalise dataset")
    p.add_argument("--scale-from", metavar="PROJECT",
                   help="for --normalise dataset: take the divisor from a project that analysed these weights "
                        "(the window's 'per dataset' colours)")
    p.add_argument("--arch", help="architecture of the checkpoint (default: recognised from its keys and shapes)")
    add_input_options(p)
    p.add_argument("--device", default="auto", help="auto (GPU when there is one), cpu, cuda, cuda:1 ...")
    add_precision_option(p)
    p.add_argument("--out", required=True, help="output .npz")
    p.add_argument("--save-input", action="store_true", help="also store the exact input tensor")
    p.add_argument("--png", metavar="DIR", help="write an overlay PNG of every frame of the segment")
    p.set_defaults(func=_cam)


def _cam(args: argparse.Namespace) -> int:
    if args.scale_from and args.normalise != "dataset":
        raise InputError(args.scale_from, "--scale-from goes with --normalise dataset")
    if args.scale is not None and args.scale_from:
        raise InputError(args.scale_from, "give --scale or --scale-from, not both")
    if args.normalise == "dataset" and args.scale is None and not args.scale_from:
        raise InputError(args.out, "--normalise dataset needs --scale (the dataset's divisor) or --scale-from PROJECT")
    from cabinlens.engine.analysis.service import choose_device, resolve_model

    device = choose_device(args.device)
    resolved = resolve_model(args.model, args.arch, frames=args.frames, size=args.size)
    for text in resolved.warnings:
        warn(f"{resolved.name}: {text}")
    model, spec, name, weights = resolved.model, resolved.spec, resolved.name, resolved.weights
    sha = "" if weights.startswith("random:") else weights
    scale_words = ""
    if args.scale_from:
        args.scale, scale_words = _project_scale(args.scale_from, name, weights, args.layer or spec.cam_layer, args.mode)
    if args.mode in ATTENTION_METHODS:
        from cabinlens.engine.explain.attention import check_attention

        check_attention(model, args.mode, name)  # names the model, before a video is opened
    model.to(device)
    targets = resolve_targets(spec, args.classes, args.label)
    with VideoReader(args.video) as reader:
        cam = explain_segment(
            model, spec, reader, args.start, args.end, targets=targets, top=args.top, mode=args.mode,
            layer=args.layer, normalisation=args.normalise, scale=args.scale, device=device,
            keep_input=args.save_input, precision=args.precision,
        )
        out = write_npz(args.out, cam_arrays(cam, model=spec.arch, checkpoint_sha256=sha))
        pngs = write_overlays(args.png, cam, reader) if args.png else []
    probs = torch.softmax(torch.from_numpy(cam.logits), 0)
    best = int(probs.argmax())
    print(f"{out}: {len(cam.frames)} frames, {len(cam.targets)} class(es): {', '.join(cam.target_names)}; "
          f"layer {cam.layer} {tuple(cam.layer_maps.shape[1:])}, mode {cam.mode} ({_mode_words(cam.mode)}), "
          f"normalisation {cam.normalisation}")
    print(f"  prediction {cam.classes[best] if best < len(cam.classes) else best} ({float(probs[best]):.1%})")
    if scale_words:
        print(f"  {scale_words}, from {args.scale_from}")
    if pngs:
        print(f"  {len(pngs)} overlays in {args.png}")
    return 0


def _mode_words(mode: str) -> str:
    words = METHOD_WORDS.get(mode, mode)
    return words + (": one map for every class" if mode == "rollout" else "")


def _project_scale(project: str, name: str, weights: str, layer: str, mode: str) -> tuple[float, str]:
    """The dataset divisor a project holds for these weights, CAM layer and mode, and its words."""
    from cabinlens.engine.analysis.cam_scale import model_runs, runs_scale
    from cabinlens.engine.analysis.store import Store

    with Store(project, readonly=True) as store:
        runs = model_runs(store, weights, layer, mode)
        if not runs:
            raise InputError(project, f"no run of {name} (weights {weights[:16]}, CAM layer {layer}, mode {mode}) "
                                      "in this project: analyse a split with these weights first, or give --scale")
        scale = runs_scale(store, runs)
    if not scale.clips:
        raise InputError(project, f"the runs of {name} hold no Grad-CAM maps yet: let the analysis finish, or give --scale")
    return scale.divisor, scale.describe()
