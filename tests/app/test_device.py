"""The engine's device, chosen in the window, reaches every job the window starts (and the status bar)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def fake_gpu(monkeypatch):
    """A CUDA device the engine believes in, and a record of the device every analysis is given."""
    from cabinlens.engine.analysis import service

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Fake GPU")
    seen: list[str] = []

    def recording_analyse(store, run_id, model, spec, *, device, **kwargs):
        seen.append(str(device))
        return iter(())  # nothing computed: the record is what this test is about

    monkeypatch.setattr(service, "analyse", recording_analyse)
    return seen


def _choose(qtbot, window, choice: str) -> None:
    qtbot.waitUntil(lambda: choice in [a.data() for a in window.device_group.actions()], timeout=30000)
    next(a for a in window.device_group.actions() if a.data() == choice).trigger()


def test_the_chosen_device_reaches_the_dataset_analysis_and_the_session_sweep(qtbot, window, settings, fake_gpu,
                                                                          synth_small, project, tmp_path):
    assert window.state.device == "auto"
    _choose(qtbot, window, "cuda:0")  # listed once the worker has loaded torch
    assert window.state.device == "cuda:0" and settings.value("device") == "cuda:0"
    qtbot.waitUntil(lambda: window.device_status.text() == "engine: cuda:0 (Fake GPU)", timeout=10000)
    window.player.sweep_sessions = False
    window.open_dataset(str(synth_small), ["c3d_small"], str(tmp_path / "new.cabinlens"))
    qtbot.waitUntil(lambda: fake_gpu == ["cuda:0"], timeout=60000)
    qtbot.waitUntil(lambda: any("random weights" in w for w in window.warnings), timeout=30000)
    assert "random weights" in window.log.toPlainText() and window.warnings_button.isVisible()
    _choose(qtbot, window, "cpu")
    import sqlite3

    copy = tmp_path / "copy.cabinlens"  # the sweep adds a run: not to the shared project
    with sqlite3.connect(project) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    window.player.sweep_sessions = True
    window.open_project(str(copy))  # opening a session sweeps it: on the CPU now
    qtbot.waitUntil(lambda: "cpu" in fake_gpu, timeout=60000)
    assert set(fake_gpu) == {"cuda:0", "cpu"}
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    assert sum("random weights" in w for w in window.warnings) == 1  # the sweep's model warned again: listed once
    qtbot.waitUntil(lambda: window.device_status.text() == "engine: CPU", timeout=10000)


def test_the_command_line_device_overrides_the_kept_one_for_this_window(qtbot, settings):
    from cabinlens.app.main_window import MainWindow

    settings.setValue("device", "cpu")
    kept = MainWindow(settings)
    assert kept.state.device == "cpu"
    kept.close()
    w = MainWindow(settings, device="cuda:1")
    qtbot.addWidget(w)
    assert w.state.device == "cuda:1" and settings.value("device") == "cpu"  # not kept
    # On a machine without that device the window says so and falls back to auto.
    qtbot.waitUntil(lambda: any("cuda:1 is not available" in t for t in w.warnings), timeout=30000)
    assert w.state.device == "auto"
    w.close()
