"""Entry of the headless command line: ``cabinlens <group> <command> ...``.

Each group lives in its own module and registers its subcommands; errors a user can fix are
printed as one line naming the file and the problem, with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cabinlens.engine import __version__
from cabinlens.engine.cli import (analyze_cmd, cam_cmd, data_cmd, demo_cmd, export_cmd, models_cmd, sessions_cmd, train_cmd,
                                 video_cmd)
from cabinlens.engine.errors import CabinLensError

GROUPS = (demo_cmd, data_cmd, video_cmd, models_cmd, cam_cmd, analyze_cmd, sessions_cmd, export_cmd, train_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cabinlens",
        description="Inspect video action-recognition models for driver observation. "
        "With no command, opens the application window.",
        epilog="The window: cabinlens [gui] [--device auto|cpu|cuda:N] [PROJECT | DATASET CHECKPOINT ...] "
        "(or cabinlens FILE.cabinlens). Under torchrun: torchrun --nproc-per-node N -m cabinlens analyze ...",
    )
    parser.add_argument("--version", action="version", version=f"cabinlens {__version__}")
    sub = parser.add_subparsers(dest="group", metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CabinLensError as exc:
        print(f"cabinlens: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cabinlens: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
