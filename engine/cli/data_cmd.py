"""``cabinlens data ...``: look at annotation sets."""

from __future__ import annotations

import argparse
import json

from engine.cli.groups import add_group
from engine.data.layout import discover
from engine.data.summary import format_summary, summarize


def register(sub: argparse._SubParsersAction) -> None:
    cmds = add_group(sub, "data", "annotation sets: summary")
    summary = cmds.add_parser("summary", help="rows, classes, participants per subset; common/rare split")
    summary.add_argument("path", help="dataset root, any folder above the CSVs, or one CSV file")
    summary.add_argument("--view", help="camera view (default: the first one found)")
    summary.add_argument("--level", help="annotation level (default: midlevel)")
    summary.add_argument("--split", type=int, help="split 0, 1 or 2 (default: 0)")
    summary.add_argument("--json", action="store_true", help="print JSON instead of a table")
    summary.set_defaults(func=_summary)


def _summary(args: argparse.Namespace) -> int:
    result = summarize(discover(args.path), view=args.view, level=args.level, split=args.split)
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_summary(result))
    return 0
