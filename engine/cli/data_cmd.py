"""``cabinlens data ...``: look at annotation sets."""

from __future__ import annotations

import argparse
import json
import sys

from cabinlens.engine.cli.groups import add_group
from cabinlens.engine.data.layout import discover
from cabinlens.engine.data.summary import format_summary, summarize
from cabinlens.engine.data.synth.config import SCALES


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
    synth.set_defaults(func=_synth)


def _summary(args: argparse.Namespace) -> int:
    result = summarize(discover(args.path), view=args.view, level=args.level, split=args.split,
                       train_counts=args.train_counts)
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_summary(result))
    return 0


def _synth(args: argparse.Namespace) -> int:
    from cabinlens.engine.data.synth.generate import synthesize

    def progress(done: int, total: int) -> None:
        print(f"\r  runs rendered {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    result = synthesize(args.out, args.seed, args.scale, workers=args.workers, progress=progress)
    done = f"rendered {result.rendered} runs in {result.seconds:.1f} s" if result.rendered else "already complete"
    print(f"{result.root}: synthetic Drive&Act ({args.scale}, seed {args.seed}), {result.runs} runs, "
          f"{result.frames} frames; {done}")
    return 0
