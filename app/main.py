"""Start the Qt application and show the main window (torch is not imported here)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(paths: Sequence[str], *, demo_data: str | None = None, demo: bool = False, device: str | None = None) -> int:
    """The window; with ``demo`` it opens the demo project (preparing it on the worker first), else ``paths``.

    ``device`` (auto, cpu, cuda:N) overrides the kept preference for this window's analyses and sweeps.
    """
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from cabinlens.app.main_window import MainWindow
    from cabinlens.resources import ICON_SVG

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("CabinLens")
    app.setOrganizationName("CabinLens")
    app.setDesktopFileName("cabinlens")  # matches the installed desktop entry (taskbars group by it)
    app.setWindowIcon(QIcon(str(ICON_SVG)))
    window = MainWindow(device=device)
    window.show()
    if demo:
        window.start_demo(demo_data)
    elif paths:
        window.open_paths([str(a) for a in paths])
    return app.exec()
