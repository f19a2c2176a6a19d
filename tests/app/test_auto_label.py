"""The window words 'auto' as the engine does: which device it picked, 'auto (CPU)' without a GPU."""

from __future__ import annotations

import pytest
import torch

from cabinlens.app.devices import auto_label


def test_auto_label_agrees_with_the_engine(monkeypatch):
    from cabinlens.engine.device import available_devices, choose_device, device_label

    assert auto_label([("cpu", "CPU")]) == "auto (CPU)"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: f"Fake GPU {index}")
    assert auto_label(available_devices()) == device_label(choose_device("auto"), "auto") == "auto (cuda:0, Fake GPU 0)"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")
def test_without_a_gpu_the_status_bar_says_auto_uses_the_cpu(qtbot, window):
    assert window.state.device == "auto"
    qtbot.waitUntil(lambda: window.device_status.text() == "engine: auto (CPU)", timeout=60000)
