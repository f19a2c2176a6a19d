"""The main window appears without torch, and looks right (screenshot saved for review)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.main_window import MainWindow

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def test_main_window_shows(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("CabinLens")
    assert window.menuBar().actions()[0].text() == "&File"
    SHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SHOTS / "main_window.png"))


def test_window_module_does_not_import_torch():
    code = "import sys, app.main_window; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
