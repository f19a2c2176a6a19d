"""The window's analysis job on a CUDA device, offscreen: it runs there, says so, and stores every clip.
Skipped where there is no CUDA device."""

from __future__ import annotations

import pytest
import torch

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]


def test_a_window_job_runs_on_cuda(qtbot, window, synth_small, tmp_path):
    from cabinlens.engine.analysis.store import Store

    qtbot.waitUntil(lambda: "cuda:0" in [a.data() for a in window.device_group.actions()], timeout=60000)
    next(a for a in window.device_group.actions() if a.data() == "auto").trigger()
    qtbot.waitUntil(lambda: window.device_status.text().startswith("engine: auto (cuda:0, "), timeout=10000)
    next(a for a in window.device_group.actions() if a.data() == "cuda:0").trigger()
    window.player.sweep_sessions = False
    project = tmp_path / "cuda.cabinlens"
    window.open_dataset(str(synth_small), ["c3d_small"], str(project))
    qtbot.waitUntil(lambda: window.device_status.text().startswith("engine: cuda:0 ("), timeout=60000)
    qtbot.waitUntil(lambda: window.analysis.data is not None, timeout=300000)
    with Store(project, readonly=True) as store:
        (run,) = [r for r in store.runs() if r.kind == "split"]
        assert run.done == run.total > 0 and run.finished is not None
