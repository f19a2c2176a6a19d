"""The ``cabinlens`` console command: no arguments opens the window, anything else is headless.

Kept free of Qt and torch imports so ``cabinlens data summary`` starts fast and works on
machines without a display.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def display_available() -> bool:
    """Whether Qt can show a window here (a display server, or an explicit Qt platform)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "gui":
        if not display_available():
            print(
                "cabinlens: no display found (DISPLAY/WAYLAND_DISPLAY unset); use a subcommand "
                "such as 'cabinlens data summary PATH', or set QT_QPA_PLATFORM=offscreen",
                file=sys.stderr,
            )
            return 2
        from cabinlens.app.main import run_gui

        return run_gui(args[1:] if args else [])
    if args[0] == "demo" and not {"--headless", "-h", "--help"} & set(args):
        if display_available():
            return _gui_demo(args[1:])
        print("cabinlens demo: no display found (DISPLAY/WAYLAND_DISPLAY unset); running the headless demo, "
              "which writes the report instead of opening the window", file=sys.stderr)
        args = [*args, "--headless"]
    from cabinlens.engine.cli.main import main as cli_main

    return cli_main(args)


def _gui_demo(argv: list[str]) -> int:
    """``cabinlens demo [--data DIR]`` with a display: the window, preparing the demo on its worker."""
    import argparse

    parser = argparse.ArgumentParser(prog="cabinlens demo")
    parser.add_argument("--data", metavar="DIR")
    parser.add_argument("--out", metavar="DIR", help="(headless only)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    from cabinlens.app.main import run_gui

    return run_gui([], demo=True, demo_data=args.data)


if __name__ == "__main__":
    sys.exit(main())
