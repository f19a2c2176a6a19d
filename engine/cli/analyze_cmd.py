"""``cabinlens analyze`` (run models over a split or a session) and ``cabinlens report``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cabinlens.engine.analysis.decode_workers import DECODE_IN, PROCESS_MIN_CLIPS, THREAD_LIMIT
from cabinlens.engine.analysis.jobs import session_sweep_jobs, split_job, sweep_job
from cabinlens.engine.analysis.report import describe_explanations, describe_pair, write_report
from cabinlens.engine.analysis.sanity import describe as describe_sanity
from cabinlens.engine.cli.common import add_precision_option, batch_size, progress_bar, warn, workers_count
from cabinlens.engine.cli.models_cmd import add_input_options
from cabinlens.engine.explain.methods import METHODS
from cabinlens.engine.video.hardware import DECODERS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="run models over a dataset split or a session; results go to a project file",
        description="Logits, embeddings and Grad-CAMs (top-5 and ground truth) of every clip, stored in PROJECT. "
        "Interrupt at any time: the same command resumes where it stopped. Under torchrun "
        "(torchrun --nproc-per-node N -m cabinlens analyze ...) every rank analyses its own shard on its own "
        "device and rank 0 merges the shards into PROJECT.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--data", metavar="ROOT_OR_CSV", help="a Drive&Act-format dataset (root, annotation folder or "
                      "file), or a segments CSV (video,frame_start,frame_end,label[,subset]; videos relative to it)")
    what.add_argument("--sweep", metavar="VIDEO", help="slide windows over a whole session video instead")
    what.add_argument("--sweep-all", metavar="ROOT", help="sweep every session video of a dataset's view "
                      "(labelled from its all-rows annotation file)")
    p.add_argument("--view", help="camera view (default: the first one found)")
    p.add_argument("--level", default="midlevel")
    p.add_argument("--split", type=int, help="Drive&Act split 0, 1 or 2 (default: 0)")
    p.add_argument("--subset", choices=("train", "val", "test"),
                   help="Drive&Act: default test; a segments CSV: the rows of this subset column value "
                        "(default: every row)")
    p.add_argument("--videos", metavar="ROOT", help="where the videos are (default: the dataset root, or the "
                   "segments CSV's folder)")
    p.add_argument("--train-counts", metavar="CSV", help="training counts for the common/rare split: the "
                   "training annotation file, or a label,count CSV (default: the dataset's training subset)")
    p.add_argument("--skip-invalid", action="store_true", help="analyse the valid rows when some cannot be "
                   "(video missing or too short, unknown label); the report lists what was skipped")
    p.add_argument("--window", type=int, help="sweep window in frames (default: the model's clip length)")
    p.add_argument("--stride", type=int, help="sweep stride in frames (default: half a window)")
    p.add_argument("--annotations", metavar="CSV", help="label sweep windows from this annotation file")
    p.add_argument("--model", action="append", required=True, metavar="NAME_OR_CHECKPOINT",
                   help="a checkpoint, or an architecture for random weights; repeat for several models")
    p.add_argument("--arch", help="architecture of the checkpoints, when they cannot be recognised")
    add_input_options(p)
    p.add_argument("--project", required=True, metavar="FILE", help="the project file (*.cabinlens)")
    p.add_argument("--device", default="auto", help="auto (the first GPU when there is one, else the CPU), cpu, cuda:N")
    p.add_argument("--batch-size", type=batch_size, default=None, metavar="auto|N",
                   help="clips per batch; auto (default): as many as fit the GPU's free memory, 8 on the CPU")
    add_precision_option(p)
    p.add_argument("--workers", type=workers_count, default=None, metavar="auto|N",
                   help="decoding workers; auto (default): 2 beside CPU inference, all cores but one beside a GPU")
    p.add_argument("--decode-in", choices=DECODE_IN, default="auto",
                   help=f"auto (default): for jobs of at least {PROCESS_MIN_CLIPS} clips, processes beside a GPU "
                        f"or for more than {THREAD_LIMIT} workers (threads wait for the GIL behind Python work), "
                        "else threads; threads; processes")
    p.add_argument("--decoder", choices=DECODERS, default="auto",
                   help="where videos are decoded: auto (default: on a GPU device, NVDEC or the CPU's threads, "
                        "whichever is faster on a few clips of the job; else the CPU), cpu, cuda (NVDEC)")
    p.add_argument("--mode", choices=METHODS, default="clip",
                   help="how the maps are made: a Grad-CAM weighting (clip, the paper's Eq. 1-2, by default; time; hires; "
                        "layercam; gradcampp) or, for a VideoMAE, rollout or attngrad (attention; see README)")
    p.set_defaults(func=_analyze)

    r = sub.add_parser("report", help="tables, figures and predictions of a project")
    r.add_argument("project", metavar="PROJECT")
    r.add_argument("--out", required=True, metavar="DIR")
    r.add_argument("--json", action="store_true", help="print the metrics as JSON")
    r.add_argument("--no-figures", action="store_true", help="tables and predictions only (faster)")
    r.add_argument("--sanity", action="store_true",
                   help="also check each model's Grad-CAM: cascading randomisation, time reversal, deletion/insertion "
                        "(loads the models again: about a minute per model on two CPU cores)")
    r.add_argument("--sanity-clips", type=int, default=None, metavar="N",
                   help="clips per model for randomisation and deletion/insertion (default 8; implies --sanity)")
    r.add_argument("--device", default="auto", help="where the sanity checks run: auto, cpu, cuda:N")
    r.set_defaults(func=_report)


def _analyze(args: argparse.Namespace) -> int:
    from cabinlens.engine.analysis.distributed import Rank, analyse_distributed
    from cabinlens.engine.analysis.runner import Progress
    from cabinlens.engine.analysis.service import (Analysis, DataNote, ModelWarning, RunFinished, RunStarted,
                                                   analyse_models)
    from cabinlens.engine.progress import Message

    if args.sweep:
        make_jobs = lambda spec: sweep_job(args.sweep, spec, window=args.window, stride=args.stride,  # noqa: E731
                                           annotations=args.annotations)
    elif args.sweep_all:
        make_jobs = lambda spec: session_sweep_jobs(args.sweep_all, spec, view=args.view, level=args.level,  # noqa: E731
                                                    window=args.window, stride=args.stride, video_root=args.videos)
    else:
        make_jobs = lambda spec: split_job(args.data, spec, view=args.view, level=args.level,  # noqa: E731
                                           split=args.split, subset=args.subset, video_root=args.videos,
                                           train_counts=args.train_counts, skip_invalid=args.skip_invalid)
    how = Analysis(device=args.device, cam_mode=args.mode, batch_size=args.batch_size, precision=args.precision,
                   workers=args.workers, decode_in=args.decode_in, decoder=args.decoder, arch=args.arch, frames=args.frames, size=args.size)
    rank = Rank.from_env()
    if rank is None:
        events = analyse_models(args.project, args.model, make_jobs, how)
    else:
        events = analyse_distributed(args.project, args.model, make_jobs, how, rank)
    speaks = rank is None or rank.is_main  # one rank prints; the others work quietly
    started: RunStarted | None = None
    stored = 0
    try:
        for event in events:
            if isinstance(event, ModelWarning):
                warn(event)
            elif isinstance(event, DataNote):
                if speaks:
                    print(f"cabinlens: note: {event.text}", file=sys.stderr, flush=True)
            elif isinstance(event, RunStarted):
                started, stored = event, event.total - event.todo
                if rank is not None and speaks:
                    print(f"{event.model}: {event.job}: rank 0 of {rank.world} on {event.device}: "
                          f"{event.todo} of its {event.total} samples to analyse", file=sys.stderr, flush=True)
            elif isinstance(event, Progress):
                if speaks:
                    progress_bar(started.model if started else "", event)
                stored = event.done
            elif isinstance(event, Message):
                print(event.text, file=sys.stderr, flush=True)
            elif isinstance(event, RunFinished):
                resumed = f", {event.done - event.computed} from before" if event.computed < event.done else ""
                print(f"{event.model}: {event.job}: {event.done} samples{resumed} in {event.seconds:.1f} s on "
                      f"{event.device} -> {args.project} (run {event.run_id})")
    except KeyboardInterrupt:
        if rank is None:
            print(f"\ncabinlens: interrupted; {stored} samples are stored, the same command resumes", file=sys.stderr)
        elif speaks:
            print(f"\ncabinlens: interrupted; every rank's finished batches are kept in {args.project}.shards "
                  f"(rank 0: {stored} of its samples); the same command merges them and resumes", file=sys.stderr)
        return 130
    return 0


def _report_progress(done: int, total: int, what: str) -> None:
    """``report: K/N what`` on stderr, one line per step (the window reads it from a child process)."""
    print(f"report: {done}/{total} {what}", file=sys.stderr, flush=True)


def _report(args: argparse.Namespace) -> int:
    budget = None
    if args.sanity or args.sanity_clips is not None:
        from cabinlens.engine.analysis.sanity import Budget
        from cabinlens.engine.errors import InputError as Refused

        if args.sanity_clips is not None and args.sanity_clips < 1:
            raise Refused(args.out, "--sanity-clips must be at least 1")
        budget = Budget() if args.sanity_clips is None else Budget(clips=args.sanity_clips)
    summary = write_report(args.project, args.out, figures_too=not args.no_figures, progress=_report_progress,
                           sanity=budget, device=args.device)
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
        for note in run.get("notes", []):
            print(f"  {note}")
    for line in filter(None, map(describe_explanations, summary["runs"])):
        print(f"{line}")
    for pair in summary["pairs"]:
        print(describe_pair(pair))
    for run in summary.get("sanity", {}).get("runs", []):
        print(describe_sanity(run))
    print(f"report: {Path(args.out) / 'index.html'}")  # one separator, whether or not --out ends in one
    return 0
