"""The layering rules of DESIGN.md: engine runs without Qt, widgets never import torch.

Each check runs in a fresh interpreter whose import system refuses the forbidden packages, so an
indirect import (engine -> helper -> PySide6) fails as well as a direct one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BLOCKER = """
import importlib.abc, pkgutil, sys
FORBIDDEN = {forbidden!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in FORBIDDEN:
            raise ImportError(f'layering: {{name}} must not be imported here')
sys.meta_path.insert(0, Block())
import {package}
for m in pkgutil.walk_packages({package}.__path__, '{package}.'):
    __import__(m.name)
print('imported', len(sys.modules))
"""


def run_blocked(package: str, forbidden: set[str], extra: str = "") -> subprocess.CompletedProcess:
    code = BLOCKER.format(package=package, forbidden=forbidden) + extra
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_engine_imports_and_runs_without_qt():
    extra = "\nfrom engine.cli.main import main\nassert main(['data', 'summary', 'resources/sample_driveact']) == 0\n"
    result = run_blocked("engine", {"PySide6", "shiboken6", "pyqtgraph", "app", "widgets"}, extra)
    assert result.returncode == 0, result.stderr


def test_widgets_never_import_torch():
    result = run_blocked("widgets", {"torch", "torchvision"})
    assert result.returncode == 0, result.stderr


def test_the_blocker_really_blocks():
    result = run_blocked("engine", {"engine"})
    assert result.returncode != 0 and "layering" in result.stderr


def test_the_window_starts_without_the_heavy_libraries():
    """torch, scikit-learn, scipy.stats, matplotlib and the video stack load on a worker when first
    needed, never before the window is up (each costs the start-up from a fraction of a second to seconds)."""
    code = ("import sys\nimport app.main_window\n"
            "print(sorted(m for m in ('torch', 'sklearn', 'scipy.stats', 'matplotlib', 'cv2', 'av') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
