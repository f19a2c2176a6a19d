"""``cabinlens analyze`` (run models over a split or a session) and ``cabinlens report``."""

from __future__ import annotations

import argparse
import json
import sys
import time

from cabinlens.engine.analysis.jobs import open_run, split_job, sweep_job
from cabinlens.engine.analysis.report import describe_explanations, describe_pair, write_report
from cabinlens.engine.analysis.runner import analyse
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.common import device_from_arg, model_from_arg, progress_bar
from cabinlens.engine.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="run models over a dataset split or a session; results go to a project file",
        description="Logits, embeddings and Grad-CAMs (top-5 and ground truth) of every clip, stored in PROJECT. "
        "Interrupt at any time: the same command resumes where it stopped.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--data", metavar="ROOT", help="a Drive&Act-format dataset (root or annotation folder)")
    what.add_argument("--sweep", metavar="VIDEO", help="slide windows over a whole session video instead")
    p.add_argument("--view", help="camera view (default: the first one found)")
    p.add_argument("--level", default="midlevel")
    p.add_argument("--split", type=int, default=0)
    p.add_argument("--subset", choices=("train", "val", "test"), default="test")
    p.add_argument("--videos", metavar="ROOT", help="where the videos are (default: the dataset root)")
    p.add_argument("--window", type=int, help="sweep window in frames (default: the model's clip length)")
    p.add_argument("--stride", type=int, help="sweep stride in frames (default: half a window)")
    p.add_argument("--annotations", metavar="CSV", help="label sweep windows from this annotation file")
    p.add_argument("--model", action="append", required=True, metavar="NAME_OR_CHECKPOINT",
                   help="a checkpoint, or an architecture for random weights; repeat for several models")
    p.add_argument("--arch", help="architecture of the checkpoints, when they cannot be recognised")
    p.add_argument("--project", required=True, metavar="FILE", help="the project file (*.cabinlens)")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="decoding threads")
    p.add_argument("--mode", choices=("clip", "time"), default="clip", help="Grad-CAM weighting")
    p.set_defaults(func=_analyze)

    r = sub.add_parser("report", help="tables, figures and predictions of a project")
    r.add_argument("project", metavar="PROJECT")
    r.add_argument("--out", required=True, metavar="DIR")
    r.add_argument("--json", action="store_true", help="print the metrics as JSON")
    r.add_argument("--no-figures", action="store_true", help="tables and predictions only (faster)")
    r.set_defaults(func=_report)


def _analyze(args: argparse.Namespace) -> int:
    if args.batch_size < 1 or args.workers < 1:
        raise InputError(args.project, "--batch-size and --workers must be at least 1")
    device = device_from_arg(args.device)
    with Store(args.project) as store:
        for name in args.model:
            model, spec, display, weights = model_from_arg(name, args.arch)
            if args.sweep:
                job = sweep_job(args.sweep, spec, window=args.window, stride=args.stride, annotations=args.annotations)
            else:
                job = split_job(args.data, spec, view=args.view, level=args.level, split=args.split,
                                subset=args.subset, video_root=args.videos)
            run_id = open_run(store, job, spec, display, weights, args.mode, source=_source(name))
            t0 = time.perf_counter()
            last = None
            try:
                for progress in analyse(store, run_id, model, spec, batch_size=args.batch_size, device=device,
                                        workers=args.workers, cam_mode=args.mode):
                    progress_bar(display, progress)
                    last = progress
            except KeyboardInterrupt:
                print(f"\ncabinlens: interrupted; {store.run(run_id).done} samples are stored, "
                      "the same command resumes", file=sys.stderr)
                return 130
            took = time.perf_counter() - t0
            resumed = f", {last.done - last.session_done} from before" if last and last.session_done < last.done else ""
            print(f"{display}: {job.name}: {last.done if last else 0} samples{resumed} in {took:.1f} s on {device} "
                  f"-> {args.project} (run {run_id})")
    return 0


def _report_progress(done: int, total: int, what: str) -> None:
    """``report: K/N what`` on stderr, one line per step (the window reads it from a child process)."""
    print(f"report: {done}/{total} {what}", file=sys.stderr, flush=True)


def _report(args: argparse.Namespace) -> int:
    summary = write_report(args.project, args.out, figures_too=not args.no_figures, progress=_report_progress)
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    for run in summary["runs"]:
        m = run["metrics"]
        line = f"run {run['id']} {run['name']}: {run['samples']}/{run['total']} samples"
        if m:
            pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
            line += (f"; balanced top-1 {pct(m['top1']['all'])} (common {pct(m['top1']['common'])}, rare "
                     f"{pct(m['top1']['rare'])}), top-5 {pct(m['top5']['all'])}")
        print(line)
    for line in filter(None, map(describe_explanations, summary["runs"])):
        print(f"{line}")
    for pair in summary["pairs"]:
        print(describe_pair(pair))
    print(f"report: {args.out}/index.html")
    return 0


def _source(name: str) -> str:
    """What to load the model from again (the GUI's session sweeps): an absolute path or an architecture."""
    from pathlib import Path

    path = Path(name)
    return str(path.resolve()) if path.exists() else name
