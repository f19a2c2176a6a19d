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
        from app.main import run_gui

        return run_gui(args[1:] if args else [])
    from engine.cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
