"""The ``cabinlens`` console command: the window (no arguments, ``gui``, or project files), the
windowed demo, or else the headless command line.

It sits above every layer (the application and the engine's CLI alike), so neither imports the
other. Kept free of Qt and torch imports so ``cabinlens data summary`` starts fast and works on
machines without a display.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

PROJECT_SUFFIX = ".cabinlens"


def display_available() -> bool:
    """Whether Qt can show a window here (a display server, or an explicit Qt platform)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# The headless command line's commands (engine.cli.main builds them; importing it loads torch, so a
# test keeps this list equal to the parser's). A first argument among them is never a path to open.
COMMANDS = frozenset({"analyze", "cam", "data", "demo", "explain", "export-clip", "models", "near-misses", "report",
                      "sessions", "train", "video"})


def _is_window(args: list[str]) -> bool:
    """No command, ``gui``, or things to open: ``cabinlens demo.cabinlens``, ``cabinlens --device cuda``,
    ``cabinlens DATASET CHECKPOINT.pt`` (any existing file or folder that is not a command's name)."""
    if not args or args[0] == "gui":
        return True
    first = args[0]
    if first == "--device" or first.startswith("--device=") or first.endswith(PROJECT_SUFFIX):
        return True
    return first not in COMMANDS and not first.startswith("-") and os.path.exists(first)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # answered before the command line (and torch) loads: a check, scripts, the bundle
        from cabinlens.engine import __version__

        print(f"cabinlens {__version__}")
        return 0
    if _is_window(args):
        if not display_available():
            print(
                "cabinlens: no display found (DISPLAY/WAYLAND_DISPLAY unset); use a subcommand "
                "such as 'cabinlens data summary PATH', or set QT_QPA_PLATFORM=offscreen",
                file=sys.stderr,
            )
            return 2
        return _gui(args[1:] if args and args[0] == "gui" else args)
    if args[0] == "demo" and not {"--headless", "-h", "--help"} & set(args):
        if display_available():
            return _gui_demo(args[1:])
        print("cabinlens demo: no display found (DISPLAY/WAYLAND_DISPLAY unset); running the headless demo, "
              "which writes the report instead of opening the window", file=sys.stderr)
        args = [*args, "--headless"]
    from cabinlens.engine.cli.main import main as cli_main

    return cli_main(args)


def _gui(argv: list[str]) -> int:
    """``cabinlens [gui] [--device D] [PROJECT_OR_PATHS ...]``: the window, opening what is given."""
    import argparse

    parser = argparse.ArgumentParser(prog="cabinlens gui", description="The CabinLens window.")
    parser.add_argument("--device", help="auto, cpu or cuda:N for the analyses and sweeps this window starts "
                        "(default: the kept preference, Engine → Device)")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="a project, or a dataset with checkpoints")
    args = parser.parse_args(argv)
    from cabinlens.app.main import run_gui

    return run_gui(args.paths, device=args.device)


def _gui_demo(argv: list[str]) -> int:
    """``cabinlens demo [--data DIR] [--device D]`` with a display: the window, preparing the demo on its worker."""
    import argparse

    parser = argparse.ArgumentParser(prog="cabinlens demo")
    parser.add_argument("--data", metavar="DIR")
    parser.add_argument("--out", metavar="DIR", help="(headless only)")
    parser.add_argument("--device", help="auto (default), cpu or cuda:N")
    args = parser.parse_args(argv)
    from cabinlens.app.main import run_gui

    return run_gui([], demo=True, demo_data=args.data, device=args.device)


if __name__ == "__main__":
    sys.exit(main())
