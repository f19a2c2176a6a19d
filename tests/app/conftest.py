"""A small project for the application tests: split-0 val of the synthetic dataset, analysed once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(scope="session")
def project(synth_small, tmp_path_factory):
    from cabinlens.engine.cli.main import main

    path = tmp_path_factory.mktemp("gui") / "val.cabinlens"
    assert main(["analyze", "--data", str(synth_small), "--subset", "val", "--model", "c3d_small",
                 "--project", str(path), "--device", "cpu"]) == 0
    return path


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
