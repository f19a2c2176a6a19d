"""The application tests' window and settings; their project is the shared ``val_project``."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(scope="session")
def project(val_project):
    return val_project


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    from cabinlens.app.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


@pytest.fixture
def panels(qtbot, window, demo_data):
    """The window on the demo project with its analysis panels filled (no session sweeps)."""
    window.player.sweep_sessions = False
    window.start_demo(str(demo_data))
    qtbot.waitUntil(lambda: window.analysis.data is not None, timeout=60000)
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    return window.analysis
