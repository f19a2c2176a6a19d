"""Screenshots of the window on a real X server: the player with each analysis panel raised, and the
compare view, at 1280x800 and 1600x950 (the smallest and the default window sizes).

    .venv/bin/python tests/screenshots/make_screenshots.py [--data DIR] [--out DIR]

DIR is a demo data folder (``CABINLENS_DATA`` of ``cabinlens demo``, holding demo.cabinlens); without
one the demo is prepared in a temporary folder first (minutes). The Explanation checks panel shows the
shown run's stored checks; where there are none, they are run first on ``--checks-clips`` clips (minutes
on a CPU) and kept beside the project like the window's own. Runs on a private Xvfb with Qt's xcb
platform unless DISPLAY is set, and grabs what the X server shows: offscreen rendering hides slow
painting and focus. The PNGs are kept beside this script, to be looked at after every change to the
window's layout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests"))
SIZES = [(1280, 800), (1600, 950)]


def _wait(app, seconds: float, until=None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.02)
    return until is None


def _slug(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")


def shoot(data: Path, out: Path, checks_clips: int = 4) -> list[Path]:
    """Every view at every size, grabbed from the X server; returns the PNGs written."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["cabinlens"])
    from cabinlens.app.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        window.player.sweep_sessions = False  # stored tracks only: the same picture on every machine
        window.move(0, 0)
        window.show()
        window.start_demo(str(data))
        if not _wait(app, 600, lambda: window.analysis.data is not None and window.player.tracks is not None):
            raise SystemExit("the demo project did not open within 10 minutes")
        _explanation_checks(app, window, checks_clips)
        # A frame with its overlay: the middle of the first segment the timeline shows.
        window.player.state.set_frame(window.player.state.frame + 40)
        written = []
        for width, height in SIZES:
            window.resize(width, height)
            _wait(app, 5, lambda: (window.width(), window.height()) == (width, height))
            window.tabs.setCurrentIndex(0)
            for dock in window.analysis_docks:
                dock.raise_()
                _wait(app, 1.5)  # layout, paint, thumbnails
                written.append(_grab(window, out / f"{width}x{height}-{_slug(dock.objectName())}.png"))
            window.compare_models_here()
            _wait(app, 8, lambda: window.tabs.currentWidget() is window.compare_view)
            _wait(app, 4)
            written.append(_grab(window, out / f"{width}x{height}-compare.png"))
        window.close()
        _wait(app, 0.5)
    return written


def _explanation_checks(app, window, clips: int) -> None:
    """The shown run's checks in their panel: the stored ones, else computed now."""
    checks = window.analysis.checks
    if not _wait(app, 60, lambda: checks.readiness is not None):
        raise SystemExit("the explanation checks panel did not learn about the shown run within a minute")
    if window.analysis.sanity.checks is None and not checks.readiness.blocker:
        print(f"running the explanation checks on {clips} clips (minutes) ...", flush=True)
        checks.start(clips)
        if not _wait(app, 1800, lambda: checks.running is None):
            raise SystemExit("the explanation checks did not end within 30 minutes")


def _grab(window, path: Path) -> Path:
    screen = window.screen()
    frame = window.frameGeometry()
    image = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    if image.isNull() or not image.save(str(path)):
        raise SystemExit(f"could not grab the window into {path}")
    print(f"{path.name}: {image.width()}x{image.height()}", flush=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a demo data folder (CABINLENS_DATA of `cabinlens demo`)")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--checks-clips", type=int, default=4, help="clips of the explanation checks, where none are stored")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        import xserver

        with xserver.xvfb() as env:  # again, on a private X server
            return subprocess.run([sys.executable, __file__, *sys.argv[1:]], env=env).returncode
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    args.out.mkdir(parents=True, exist_ok=True)
    if args.data is None:
        with tempfile.TemporaryDirectory() as tmp:
            print("preparing the demo (minutes) ...", flush=True)
            subprocess.run([sys.executable, "-m", "cabinlens.engine.cli.main", "demo", "--headless", "--device", "cpu"],
                           env={**os.environ, "CABINLENS_DATA": tmp}, check=True, stdout=subprocess.DEVNULL)
            shoot(Path(tmp), args.out, args.checks_clips)
    else:
        shoot(args.data, args.out, args.checks_clips)
    return 0


if __name__ == "__main__":
    sys.exit(main())
