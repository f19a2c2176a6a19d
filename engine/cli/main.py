"""Entry of the headless command line: ``cabinlens <group> <command> ...``.

Each group lives in its own module and registers its subcommands; errors a user can fix are
printed as one line naming the file and the problem, with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cabinlens.engine import __version__
from cabinlens.engine.cli import (analyze_cmd, cam_cmd, data_cmd, demo_cmd, explain_cmd, export_cmd, models_cmd, sessions_cmd,
                                 train_cmd, video_cmd)
from cabinlens.engine.errors import CabinLensError

GROUPS = (demo_cmd, data_cmd, video_cmd, models_cmd, cam_cmd, explain_cmd, analyze_cmd, sessions_cmd, export_cmd, train_cmd)


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


SIGPIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left early


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _run(argv)
        sys.stdout.flush()  # inside the try: a reader gone by the final flush is a closed pipe too
        return code
    except BrokenPipeError:
        _silence_stdout()
        return SIGPIPE_STATUS


def _silence_stdout() -> None:
    """After the reader of stdout went away (``cabinlens sessions P | head -1``), point stdout at devnull
    so that the interpreter's last flush finds nothing to complain about."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a descriptor (a test's capture): nothing to redirect
        pass
    finally:
        os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
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
