"""The desktop entry and the bundle's install/uninstall scripts, run against a stand-in bundle in a
temporary home: what install.sh adds points into the bundle, and uninstall.sh removes exactly that."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources"


def _entry(path: Path) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return dict(parser["Desktop Entry"])


def test_the_desktop_entry_names_the_command_the_icon_and_the_project_type():
    entry = _entry(RESOURCES / "cabinlens.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "CabinLens"
    assert entry["Exec"].split()[0] == "cabinlens" and "%F" in entry["Exec"]
    assert entry["Icon"] == "cabinlens" and (RESOURCES / "icons" / "cabinlens.svg").is_file()
    assert "application/x-cabinlens-project" in entry["MimeType"]
    assert "application/x-cabinlens-project" in (RESOURCES / "cabinlens-mime.xml").read_text()
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(RESOURCES / "cabinlens.desktop")],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A folder laid out as PyInstaller's one-folder output: the executable and _internal/cabinlens/resources."""
    folder = tmp_path / "opt" / "cabinlens"
    shutil.copytree(RESOURCES, folder / "_internal" / "cabinlens" / "resources",
                    ignore=shutil.ignore_patterns("models", "sample_driveact", "*.py", "__pycache__"))
    exe = folder / "cabinlens"
    exe.write_text("#!/bin/sh\necho cabinlens 0\n")
    exe.chmod(0o755)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy(REPO / "packaging" / "bundle" / script, folder / script)
    return folder


def test_install_adds_the_menu_entry_icon_type_and_command_and_uninstall_removes_them(bundle, tmp_path):
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    result = subprocess.run([str(bundle / "install.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = home / ".local" / "share"
    desktop = data / "applications" / "cabinlens.desktop"
    entry = _entry(desktop)
    assert entry["Exec"] == f'"{bundle}/cabinlens" %F' and entry["TryExec"] == f"{bundle}/cabinlens"
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "cabinlens.svg").is_file()
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "cabinlens.png").is_file()
    assert (data / "mime" / "packages" / "cabinlens.xml").is_file()
    link = home / ".local" / "bin" / "cabinlens"
    assert subprocess.run([str(link)], capture_output=True, text=True).stdout.strip() == "cabinlens 0"
    assert subprocess.run([str(bundle / "install.sh")], env=env, capture_output=True).returncode == 0  # again: fine
    result = subprocess.run([str(bundle / "uninstall.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not desktop.exists() and not link.exists() and not (data / "mime" / "packages" / "cabinlens.xml").exists()
    assert (bundle / "cabinlens").is_file()  # the bundle itself stays
