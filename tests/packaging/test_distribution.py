"""The installed distribution: one import root (``cabinlens``), every folder of the layers in it,
and nothing of the repository's generic top-level names (``engine``, ``app`` ...) on the path."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = ("app", "engine", "resources", "widgets")


def test_the_package_list_names_every_folder_of_the_layers():
    """A new sub-package (or data folder) that pyproject.toml forgets would be missing from the wheel."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {"cabinlens"}
    for layer in LAYERS:
        for d in [REPO / layer, *(REPO / layer).rglob("*")]:
            if d.is_dir() and "__pycache__" not in d.parts:
                folders.add(".".join(("cabinlens", *d.relative_to(REPO).parts)))
    assert set(config["packages"]) == folders
    assert config["package-dir"] == {"cabinlens": "packaging/cabinlens", **{f"cabinlens.{n}": n for n in LAYERS}}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    (found,) = out.glob("cabinlens-*.whl")
    return found


def test_the_wheel_has_one_top_level_package(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        assert z.read(info).decode().split() == ["cabinlens"]
        entry = z.read(info.replace("top_level.txt", "entry_points.txt")).decode()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"cabinlens"}
    for shipped in ("cabinlens/resources/models/i3d_small.pt", "cabinlens/resources/models/models.json",
                    "cabinlens/engine/cli/main.py", "cabinlens/app/main_window.py", "cabinlens/widgets/timeline.py",
                    "cabinlens/__main__.py", "cabinlens/launcher.py", "cabinlens/resources/icons/cabinlens.svg",
                    "cabinlens/resources/icons/cabinlens-256.png", "cabinlens/resources/cabinlens.desktop",
                    "cabinlens/resources/cabinlens-mime.xml",
                    "cabinlens/resources/sample_driveact/iccv_activities_3s/activities_3s/inner_mirror/"
                    "midlevel.chunks_90.split_0.test.csv"):
        assert shipped in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "cabinlens = cabinlens.launcher:main" in entry


def test_installed_it_imports_as_cabinlens_only(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    code = ("import importlib.util, cabinlens, cabinlens.engine.cli.main as m\n"
            "print(cabinlens.__file__)\n"
            "print([n for n in ('engine', 'app', 'widgets', 'resources') if importlib.util.find_spec(n)])\n"
            "from cabinlens.engine.demo import shipped_models\nprint(all(p.is_file() for p in shipped_models()))\n")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    path, bare, models = result.stdout.split("\n")[:3]
    assert Path(path).is_relative_to(target) and bare == "[]" and models == "True"
    version = subprocess.run([sys.executable, "-m", "cabinlens", "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.strip() == "cabinlens 0.1.0", version.stderr


def _requirements(names: list[str]) -> dict:
    from packaging.requirements import Requirement

    return {Requirement(r).name.lower().replace("_", "-"): Requirement(r) for r in names}


def test_the_metadata_gives_ranges_and_the_constraints_pin_each_inside_them():
    """Ranges so the wheel installs beside other research packages; exact pins for the reproducible set-up."""
    from packaging.version import Version

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = _requirements(project["dependencies"] + project["optional-dependencies"]["test"])
    pins = {}
    for line in (REPO / "packaging" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = Version(version)
    for name, req in declared.items():
        assert not any(s.operator == "==" for s in req.specifier), f"{req}: a pin belongs in constraints.txt"
        assert any(s.operator == ">=" for s in req.specifier), f"{req}: give a lower bound"
        assert name in pins, f"{name} is not pinned in packaging/constraints.txt"
        assert req.specifier.contains(pins[name]), f"the pin {name}=={pins[name]} is outside {req}"
    assert "-c packaging/constraints.txt" in (REPO / "packaging" / "run.sh").read_text()
