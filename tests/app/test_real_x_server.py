"""The window's layout, keyboard and player tests again on a real X server (Xvfb, Qt's xcb platform).

Why: the rest of the suite runs offscreen, which paints into memory at once and has neither a window
manager nor real focus; a text cut off by the X server's fonts or a key lost to focus shows only here.
The run below reuses this run's synthetic dataset and projects instead of building them again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import xserver

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.skipif(not xserver.available(), reason="Xvfb is not installed (packaging/run.sh test installs it)")]

REPO = Path(__file__).resolve().parents[2]
ON_X = ["tests/app/test_layout_fits.py", "tests/app/test_keyboard.py", "tests/app/test_player_controls.py",
        "tests/widgets/test_readable_panels.py", "tests/widgets/test_player_widgets.py"]


def test_layout_keys_and_player_on_a_real_x_server(synth_small, val_project, demo_data):
    with xserver.xvfb() as env:
        env.update(CABINLENS_TEST_SYNTH=str(synth_small), CABINLENS_TEST_VAL_PROJECT=str(val_project),
                   CABINLENS_TEST_DEMO_DATA=str(demo_data))
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "600", "-p", "faulthandler",
                              *ON_X], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    output = run.stdout + run.stderr
    report = output if len(output) < 12000 else f"{output[:4000]}\n[...]\n{output[-8000:]}"
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, f"under xcb:\n{report}"
    assert " passed" in summary and "skipped" not in summary, report  # every test ran, on the X server
