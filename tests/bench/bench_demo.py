"""The demo's first and later runs, end to end, on a fresh data folder.

    .venv/bin/python tests/bench/bench_demo.py

Targets (demo issue), on a 2-core machine without a GPU: the first run (dataset, analyses of
split 0 val and test with the three shipped models, embeddings) within 3 minutes; a later run
shows the window on the cached project within 5 seconds. Printed as ratios to those budgets,
with the breakdown of the first run so a miss shows which step to work on. Each run is a fresh
process, as a user's would be.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from cabinlens.launcher import main; sys.exit(main(sys.argv[1:]))"]

WINDOW = textwrap.dedent("""
    import time; t0 = time.perf_counter()
    import os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from cabinlens.app.main_window import MainWindow
    app = QApplication([])
    w = MainWindow(QSettings(sys.argv[2], QSettings.Format.IniFormat))
    w.player.sweep_sessions = False
    w.show()
    w.start_demo(sys.argv[1])
    shown = {}
    def poll():
        if "window" not in shown and w.isVisible():
            shown["window"] = time.perf_counter() - t0
        if "demo ready" in w.status.text() and w.player.tracks is not None and w.video.canvas.pixmap is not None:
            shown["ready"] = time.perf_counter() - t0
            app.quit()
    timer = QTimer(); timer.timeout.connect(poll); timer.start(10)
    QTimer.singleShot(60000, app.quit)
    app.exec()
    print("RESULT", shown.get("window", -1), shown.get("ready", -1))
""")


def run(args: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout + out.stderr


def main() -> int:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)
    with tempfile.TemporaryDirectory(prefix="cabinlens-bench-demo-") as tmp:
        data = Path(tmp) / "data"
        first, log = run([*CLI, "demo", "--headless", "--data", str(data), "--out", f"{tmp}/report"], env)
        prepared = next((line for line in log.splitlines() if "prepared in" in line), "?")
        again, log2 = run([*CLI, "demo", "--headless", "--data", str(data), "--out", f"{tmp}/report2"], env)
        assert "(cached)" in log2, log2
        env["QT_QPA_PLATFORM"] = "offscreen"
        _, out = run([sys.executable, "-c", WINDOW, str(data), f"{tmp}/settings.ini"], env)
        result = next(line for line in out.splitlines() if line.startswith("RESULT"))
        window, ready = (float(v) for v in result.split()[1:])
    print(f"first run (headless, report included): {first:6.1f} s   ratio to the 180 s budget {first / 180:.2f}")
    print(f"  {prepared.strip()}")
    print(f"second run (headless, report included): {again:5.1f} s")
    print(f"second run, window: shown after {window:.2f} s, demo project open in the player after {ready:.2f} s"
          f"   ratio to the 5 s budget {ready / 5:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
