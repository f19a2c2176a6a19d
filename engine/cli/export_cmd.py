"""``cabinlens export-clip`` (annotated MP4 or PNG) and ``cabinlens near-misses`` (pairs to compare)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from cabinlens.engine.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-clip", help="an annotated clip (Grad-CAM, labels, timeline strip) as H.264 MP4, or one frame as PNG",
        description="Renders frames [START, END) of a session with the model's Grad-CAM overlay, ground truth, "
        "prediction and confidence, and a timeline strip with the playhead. --compare adds panes side by side, "
        "each aligned to its own start. The file appears only when complete.",
        epilog="--compare SPEC: a model name (the same frames under that model), or comma-separated "
        "key=value pairs among session, start, end, model, target; keys left out are the main pane's. "
        "Examples: --compare c3d_small   --compare target=gt   "
        "--compare session=vp2/run1.ids_1,start=400,end=490",
    )
    p.add_argument("project", metavar="PROJECT", help="a project file (*.cabinlens)")
    p.add_argument("--session", required=True, metavar="FILE_ID", help="e.g. vp1/run1b_2018-05-29-14-02-47.ids_1")
    p.add_argument("--start", type=int, required=True, help="first frame (0-based)")
    p.add_argument("--end", type=int, required=True, help="end frame (exclusive)")
    p.add_argument("--model", help="whose predictions and Grad-CAM (default: the first model on the session)")
    p.add_argument("--target", default="pred", choices=("pred", "gt", "top2", "top3", "top4", "top5"),
                   help="the class whose Grad-CAM is drawn")
    p.add_argument("--compare", action="append", default=[], metavar="SPEC", help="another pane; repeatable")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.mp4, or FILE.png for one frame (see --frame)")
    p.add_argument("--frame", type=int, default=0, help="for a PNG: which frame, counted from --start")
    p.add_argument("--scale", type=float, default=1.0, help="resize the video (e.g. 0.5 or 2); text scales with it")
    p.add_argument("--opacity", type=float, default=0.45)
    p.add_argument("--colormap", default="jet", choices=("jet", "turbo", "inferno", "viridis"))
    p.add_argument("--normalise", default="clip", choices=("clip", "dataset", "raw"),
                   help="Grad-CAM brightness: per clip (default: each clip's maximum is full colour), per dataset "
                   "(one divisor per model: brightness compares between clips), raw (Eq. 2 values)")
    p.add_argument("--no-overlay", action="store_true", help="labels and strip only")
    p.set_defaults(func=_export)

    n = sub.add_parser(
        "near-misses", help="ranked pairs of clips with the same ground truth, close together, one right and one wrong",
        description="Pairs close in time in one session come first (by the frames between them), then nearest "
        "neighbours in the model's embedding; each line ends with the export-clip command that shows the pair.",
    )
    n.add_argument("project", metavar="PROJECT")
    n.add_argument("--run", help="a run id or name (default: the first model's test run)")
    n.add_argument("--top", type=int, default=20)
    n.add_argument("--max-gap", type=int, default=300, help="frames between clips that still count as close in time")
    n.add_argument("--json", action="store_true")
    n.set_defaults(func=_near_misses)


def _pane_specs(args: argparse.Namespace):
    from cabinlens.engine.clips.panes import PaneSpec

    base = {"session": args.session, "start": args.start, "end": args.end, "model": args.model, "target": args.target}
    wanted = [base]
    for text in args.compare:
        spec = dict(base)
        if "=" not in text:
            spec["model"] = text
        else:
            for part in text.split(","):
                key, _, value = part.partition("=")
                key = key.strip()
                if key not in base:
                    raise InputError("--compare", f"unknown key {key!r} in {text!r} (use {', '.join(base)})")
                spec[key] = value.strip()
        wanted.append(spec)
    specs = []
    for w in wanted:
        try:
            specs.append(PaneSpec(str(w["session"]), int(w["start"]), int(w["end"]), w["model"] or None, str(w["target"])))
        except ValueError as exc:
            raise InputError("--compare" if w is not base else "--start/--end", str(exc)) from None
    return specs


def _models(models: tuple[str, ...]) -> str:
    """Which model each pane shows, in pane order: a shared clip must say which map is whose."""
    return models[0] if len(models) == 1 else ", ".join(f"pane {k} {name}" for k, name in enumerate(models, 1))


def _export(args: argparse.Namespace) -> int:
    from cabinlens.engine.cli.common import progress_bar
    from cabinlens.engine.clips.draw import OverlayStyle
    from cabinlens.engine.clips.export import ExportDone, export_clip, save_frame

    specs = _pane_specs(args)
    if not 0.05 <= args.scale <= 4:
        raise InputError("--scale", f"{args.scale} is outside 0.05-4")
    if not 0 <= args.opacity <= 1:
        raise InputError("--opacity", f"{args.opacity} is outside 0-1")
    style = OverlayStyle(on=not args.no_overlay, opacity=args.opacity, colormap=args.colormap,
                         normalisation=args.normalise)
    out = Path(args.out)
    if out.suffix.lower() == ".png":
        if not 0 <= args.frame < max(s.length for s in specs):
            raise InputError(out, f"--frame {args.frame} is outside the clip's {max(s.length for s in specs)} frames")
        models = save_frame(args.project, specs, args.frame, out, style=style, scale=args.scale)
        print(f"wrote {out} ({_models(models)}; Grad-CAM normalised {args.normalise})")
        return 0
    for item in export_clip(args.project, specs, out, style=style, scale=args.scale):
        if isinstance(item, ExportDone):
            h, w = item.size
            print(f"wrote {item.path}: {_models(item.models)}; {item.frames} frames, {w}x{h}, {item.fps:g} fps, H.264, "
                  f"Grad-CAM normalised {args.normalise} ({item.seconds:.1f} s, "
                  f"{item.frames / max(item.seconds, 1e-9):.0f} frames/s)")
        else:
            progress_bar("export", item)
    return 0


def _near_misses(args: argparse.Namespace) -> int:
    from cabinlens.engine.analysis.near_miss import near_misses_of_run, run_clips
    from cabinlens.engine.analysis.store import Store

    with Store(args.project, readonly=True) as store:
        runs = [r for r in store.runs() if r.kind == "split" and r.done > 0]
        if not runs:
            raise InputError(args.project, "has no analysed split runs")
        if args.run is None:
            run = next((r for r in runs if r.model == runs[0].model and r.name.endswith("test")), runs[0])
        else:
            run = next((r for r in runs if str(r.id) == args.run or r.name == args.run), None)
            if run is None:
                raise InputError(args.project, f"has no run {args.run!r} (runs: "
                                 + "; ".join(f"{r.id}: {r.name}" for r in runs) + ")")
        clips = run_clips(store, run.id)
    pairs = near_misses_of_run(clips, max_gap=args.max_gap)[: max(0, args.top)]
    rows = []
    for m in pairs:
        c, w = clips.samples[m.correct], clips.samples[m.wrong]
        command = ["cabinlens", "export-clip", str(args.project), "--session", c.file_id, "--start", str(c.frame_start),
                   "--end", str(c.frame_end), "--model", run.model, "--compare",
                   f"session={w.file_id},start={w.frame_start},end={w.frame_end}", "--out", "near-miss.mp4"]
        rows.append({
            "class": run.classes[m.label], "predicted": run.classes[m.predicted],
            "correct": {"session": c.file_id, "start": c.frame_start, "end": c.frame_end,
                        "confidence": float(clips.confidence[m.correct])},
            "wrong": {"session": w.file_id, "start": w.frame_start, "end": w.frame_end,
                      "confidence": float(clips.confidence[m.wrong])},
            "gap_frames": m.gap, "feature_distance": m.distance, "how": m.how(args.max_gap),
            "command": shlex.join(command),
        })
    if args.json:
        json.dump({"run": run.name, "pairs": rows}, sys.stdout, indent=2)
        print()
        return 0
    print(f"{len(rows)} near misses in {run.name}")
    for k, r in enumerate(rows, 1):
        c, w = r["correct"], r["wrong"]
        where = f"in {w['session']}" if c["session"] == w["session"] else f"{c['session']} and {w['session']}"
        print(f"{k:3d}. {r['class']}: right [{c['start']}, {c['end']}), taken for {r['predicted']} "
              f"({w['confidence']:.0%}) [{w['start']}, {w['end']}) {where}; {r['how']}, "
              f"feature distance {r['feature_distance']:.3f}\n     {r['command']}")
    return 0
