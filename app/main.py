"""Start the Qt application and show the main window (torch is not imported here)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(argv: Sequence[str], *, demo_data: str | None = None, demo: bool = False) -> int:
    """The window; with ``demo`` it opens the demo project (preparing it on the worker first)."""
    from PySide6.QtWidgets import QApplication

    from cabinlens.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("CabinLens")
    app.setOrganizationName("CabinLens")
    window = MainWindow()
    window.show()
    if demo:
        window.start_demo(demo_data)
    elif argv:
        window.open_paths([str(a) for a in argv])
    return app.exec()
