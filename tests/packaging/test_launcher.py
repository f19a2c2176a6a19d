"""The ``cabinlens`` command decides between the window and the headless command line as the README
says: ``cabinlens [gui] [--device D] [PROJECT | DATASET CHECKPOINT...]``, subcommands untouched."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import cabinlens.app.main as app_main
import cabinlens.app.main_window as main_window
from cabinlens import launcher


@pytest.fixture
def opened(monkeypatch):
    """What the window would have been asked to open (``run_gui``'s paths), without opening it."""
    calls: list[list[str]] = []
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(app_main, "run_gui", lambda paths, **kw: calls.append(list(paths)) or 0)
    return calls


def test_the_command_list_is_the_command_lines():
    from cabinlens.engine.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert launcher.COMMANDS == set(sub.choices)


def test_existing_paths_open_the_window_and_commands_stay_commands(opened, tmp_path, monkeypatch):
    dataset, checkpoint = tmp_path / "driveact", tmp_path / "model.pt"
    dataset.mkdir()
    checkpoint.write_bytes(b"x")
    assert launcher.main([str(dataset), str(checkpoint)]) == 0
    assert launcher.main(["--device", "cpu", str(dataset), str(checkpoint)]) == 0
    assert launcher.main([str(tmp_path / "demo.cabinlens")]) == 0
    assert opened == [[str(dataset), str(checkpoint)], [str(dataset), str(checkpoint)], [str(tmp_path / "demo.cabinlens")]]
    # A folder named like a command does not turn the command into a path to open.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    assert launcher.main(["models", "list"]) == 0
    assert len(opened) == 3
    # Neither does a path that is not there: the command line names the problem.
    with pytest.raises(SystemExit):
        launcher.main([str(tmp_path / "nowhere")])
    assert len(opened) == 3


def test_a_project_file_opens_in_the_window(qtbot, val_project, tmp_path, monkeypatch):
    """``cabinlens PROJECT.cabinlens`` end to end: the launcher, ``run_gui`` and the window's open."""
    windows = []

    class Window(main_window.MainWindow):
        def __init__(self, device=None):
            super().__init__(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat), device)
            self.player.sweep_sessions = False
            windows.append(self)

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(main_window, "MainWindow", Window)
    monkeypatch.setattr(QApplication, "exec", lambda *_: 0)  # return at once; the test runs the events
    assert launcher.main([str(val_project)]) == 0
    window = windows[0]
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
        assert window.state.project == str(Path(val_project).resolve())
        assert window.sessions.topLevelItemCount() == 2
    finally:
        window.close()


def test_version_answers_without_loading_the_command_line():
    """``cabinlens --version`` is what scripts and installers call to check an install: it must not wait for torch."""
    import subprocess
    import sys

    code = ("import sys\nfrom cabinlens.launcher import main\nrc = main(['--version'])\n"
            "print(rc, 'torch' in sys.modules, 'cabinlens.engine.cli.main' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    version, verdict = out.splitlines()[0], out.splitlines()[-1]
    assert version.startswith("cabinlens ") and verdict == "0 False False"
