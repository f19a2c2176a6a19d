"""The layering rules of DESIGN.md, checked two ways.

- Statically: every import statement of every module (those inside functions too, which a run
  never reaches unless that function is called) is held against the rules of its layer.
- At run time: each layer is imported whole in a fresh interpreter whose import system refuses
  the forbidden packages, so an indirect import (engine -> helper -> PySide6) fails as well.

Rules: the engine imports no Qt and nothing of the application or the views; nothing outside
``engine/cli`` imports the CLI (the entry point ``cabinlens.launcher`` sits above every layer);
views import neither torch nor the application; every import goes through the one import root
``cabinlens``; no module imports another module's private names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOT_PACKAGE = REPO / "packaging" / "cabinlens"
LAYERS = {"engine": REPO / "engine", "app": REPO / "app", "widgets": REPO / "widgets", "resources": REPO / "resources"}
QT = ("PySide6", "shiboken6", "pyqtgraph")
FORBIDDEN = {
    "engine": QT + ("cabinlens.app", "cabinlens.widgets", "cabinlens.launcher"),
    "app": ("cabinlens.engine.cli", "cabinlens.launcher"),
    "widgets": ("torch", "torchvision", "cabinlens.app", "cabinlens.engine.cli", "cabinlens.launcher"),
    "resources": QT + ("torch", "cabinlens.app", "cabinlens.widgets", "cabinlens.engine"),
}
BARE_ROOTS = ("engine", "app", "widgets", "resources")  # only as cabinlens.<name>


def module_name(layer: str, path: Path) -> str:
    parts = path.relative_to(LAYERS[layer]).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join(("cabinlens", layer, *parts))


def imported_names(path: Path, module: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, absolute module, names taken from it) of every import in the file, nested ones included."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base, tuple(a.name for a in node.names)))
    return found


def is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(layer: str, path: Path) -> list[str]:
    module = module_name(layer, path)
    rel = path.relative_to(REPO)
    problems = []
    for line, name, names in imported_names(path, module):
        where = f"{rel}:{line}: {name}"
        if name.split(".")[0] in BARE_ROOTS:
            problems.append(f"{where}: import it as cabinlens.{name} (the one import root)")
        in_cli = is_under(module, "cabinlens.engine.cli")
        for bad in FORBIDDEN[layer]:
            if is_under(name, bad) and not (in_cli and bad == "cabinlens.engine.cli"):
                problems.append(f"{where}: {layer}/ must not import {bad}")
        if layer == "engine" and not in_cli and is_under(name, "cabinlens.engine.cli"):
            problems.append(f"{where}: only engine/cli imports the CLI (use cabinlens.engine.analysis.service)")
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private and is_under(name, "cabinlens") and name != module:
            problems.append(f"{where}: imports private {', '.join(private)} of another module")
    return problems


def layer_files(layer: str) -> list[Path]:
    return sorted(p for p in LAYERS[layer].rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_import_keeps_to_its_layer(layer):
    problems = [v for path in layer_files(layer) for v in violations(layer, path)]
    assert not problems, "\n".join(problems)


def test_the_static_check_catches_each_kind_of_forbidden_import(tmp_path, monkeypatch):
    """A deliberately forbidden import in each layer is reported (the check can fail)."""
    cases = {
        "engine": ("def f():\n    from PySide6.QtCore import QObject\n", "must not import PySide6"),
        "widgets": ("from cabinlens.app.state import AppState\n", "must not import cabinlens.app"),
        "app": ("def f():\n    from cabinlens.engine.cli.common import progress_bar\n", "must not import cabinlens.engine.cli"),
        "resources": ("import engine.demo\n", "one import root"),
    }
    for layer, (code, expected) in cases.items():
        folder = tmp_path / layer
        folder.mkdir()
        (folder / "bad.py").write_text(code)
        monkeypatch.setitem(LAYERS, layer, folder)
        monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
        found = violations(layer, folder / "bad.py")
        assert any(expected in v for v in found), (layer, found)
    private = tmp_path / "engine" / "private.py"
    private.write_text("from cabinlens.engine.analysis.runner import _put\n")
    assert any("private _put" in v for v in violations("engine", private))
    cli_use = tmp_path / "engine" / "service_like.py"
    cli_use.write_text("from cabinlens.engine.cli.common import progress_bar\n")
    assert any("only engine/cli imports the CLI" in v for v in violations("engine", cli_use))


BLOCKER = """
import importlib.abc, pkgutil, sys
FORBIDDEN = {forbidden!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == f or name.startswith(f + '.') for f in FORBIDDEN):
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
    extra = ("\nfrom cabinlens.engine.cli.main import main\n"
             "assert main(['data', 'summary', 'resources/sample_driveact']) == 0\n")
    result = run_blocked("cabinlens.engine", {"PySide6", "shiboken6", "pyqtgraph", "cabinlens.app", "cabinlens.widgets"},
                         extra)
    assert result.returncode == 0, result.stderr


def test_widgets_never_import_torch_or_the_application():
    result = run_blocked("cabinlens.widgets", {"torch", "torchvision", "cabinlens.app"})
    assert result.returncode == 0, result.stderr


def test_the_application_never_imports_the_cli():
    result = run_blocked("cabinlens.app", {"cabinlens.engine.cli"})
    assert result.returncode == 0, result.stderr


def test_the_blocker_really_blocks():
    result = run_blocked("cabinlens.engine", {"cabinlens.engine.models"})
    assert result.returncode != 0 and "layering" in result.stderr


def test_the_window_starts_without_the_heavy_libraries():
    """torch, scikit-learn, scipy.stats, matplotlib and the video stack load on a worker when first
    needed, never before the window is up (each costs the start-up from a fraction of a second to seconds)."""
    code = ("import sys\nimport cabinlens.app.main_window\n"
            "print(sorted(m for m in ('torch', 'sklearn', 'scipy.stats', 'matplotlib', 'cv2', 'av') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
