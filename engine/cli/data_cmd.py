"""``cabinlens data ...``: look at annotation sets."""

from __future__ import annotations

import argparse
import json
import sys

from cabinlens.engine.cli.groups import add_group
from cabinlens.engine.data.layout import discover
from cabinlens.engine.data.summary import format_summary, summarize
from cabinlens.engine.data.synth.config import SCALES
from cabinlens.engine.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    cmds = add_group(sub, "data", "annotation sets: summary, synth")
    summary = cmds.add_parser("summary", help="rows, classes, participants per subset; common/rare split")
    summary.add_argument("path", help="dataset root, any folder above the CSVs, or one CSV file")
    summary.add_argument("--view", help="camera view (default: the first one found)")
    summary.add_argument("--level", help="annotation level (default: midlevel)")
    summary.add_argument("--split", type=int, help="split 0, 1 or 2 (default: 0)")
    summary.add_argument("--train-counts", metavar="CSV", help="training counts for the common/rare split (the training "
                         "annotation file, or a label,count CSV); default: the training subset")
    summary.add_argument("--json", action="store_true", help="print JSON instead of a table")
    summary.set_defaults(func=_summary)
    synth = cmds.add_parser("synth", help="generate the synthetic Drive&Act (videos, CSVs, evidence) into OUT")
    synth.add_argument("out", help="an empty or new folder (or one this command started filling)")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--scale", choices=tuple(SCALES), default="small",
                       help="small: one run per participant, for trying the tool; medium: two, for training")
    synth.add_argument("--workers", type=int, help="processes (default: one per core)")
    synth.add_argument("--session-minutes", type=float, metavar="M",
                       help="instead of the dataset: one session of M minutes with the real annotation density "
                            "(for measuring at real scale)")
    synth.add_argument("--size", type=_size, default=None, metavar="WxH",
                       help="the session's frame size (default 1280x1024, the real NIR views'); only with --session-minutes")
    synth.set_defaults(func=_synth)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x1024") from None
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be even and at least 16")
    return width, height


def _summary(args: argparse.Namespace) -> int:
    result = summarize(discover(args.path), view=args.view, level=args.level, split=args.split,
                       train_counts=args.train_counts)
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_summary(result))
    return 0


def _synth(args: argparse.Namespace) -> int:
    from cabinlens.engine.data.synth.generate import synthesize

    if args.session_minutes is not None:
        return _session(args)
    if args.size is not None:
        raise InputError(args.out, "--size applies to one session: add --session-minutes M")

    def progress(done: int, total: int) -> None:
        print(f"\r  runs rendered {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    result = synthesize(args.out, args.seed, args.scale, workers=args.workers, progress=progress)
    done = f"rendered {result.rendered} runs in {result.seconds:.1f} s" if result.rendered else "already complete"
    print(f"{result.root}: synthetic Drive&Act ({args.scale}, seed {args.seed}), {result.runs} runs, "
          f"{result.frames} frames; {done}")
    return 0


def _session(args: argparse.Namespace) -> int:
    from cabinlens.engine.data.synth.session import write_session

    if args.session_minutes <= 0:
        raise InputError(args.out, "--session-minutes must be positive")
    size = args.size or (1280, 1024)
    result = write_session(args.out, args.session_minutes, size, args.seed)
    print(f"{result.video}: one synthetic session, {result.frames} frames ({args.session_minutes:g} min) at "
          f"{size[0]}x{size[1]}, {result.annotations} annotations; {result.seconds:.1f} s "
          f"({result.frames / result.seconds:.0f} frames/s)")
    return 0
