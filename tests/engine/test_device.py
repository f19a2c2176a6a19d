"""engine.device on a machine without CUDA: 'auto' says it picked the CPU, and nothing else changes there."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

from cabinlens.engine.cli.common import PRECISIONS as CLI_PRECISIONS
from cabinlens.engine.device import (
    PRECISIONS,
    Staging,
    autocast,
    choose_device,
    device_label,
    effective_precision,
    place,
)
from cabinlens.engine.errors import InputError
from cabinlens.engine.explain import GradCam
from cabinlens.engine.models import build_model, default_spec

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")


@pytest.fixture
def fake_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Fake GPU")


def test_auto_says_it_uses_the_cpu():
    device = choose_device("auto")
    assert device == torch.device("cpu")
    assert device_label(device, "auto") == "auto (CPU)"
    assert device_label(device, "cpu") == device_label(device) == "CPU"


def test_auto_names_the_gpu_it_picked(fake_gpu):
    assert device_label(choose_device("auto"), "auto") == "auto (cuda:0, Fake GPU)"
    assert device_label("cuda:0", "cuda:0") == "cuda:0 (Fake GPU)"


def test_the_cpu_batch_is_the_stacked_clips_unpinned():
    clips = [np.full((4, 8, 8, 3), i, dtype=np.uint8) for i in range(3)]
    staging = Staging("cpu")
    batch = staging(clips)
    assert batch.device.type == "cpu" and not batch.is_pinned() and batch.dtype == torch.uint8
    assert np.array_equal(batch.numpy(), np.stack(clips)) and staging.pinned_bytes == 0


def test_precision_is_checked_and_the_cpu_stays_float32():
    assert PRECISIONS == CLI_PRECISIONS  # the parser spells them without importing torch
    for precision in PRECISIONS:
        assert effective_precision("cpu", precision) == "float32"
        assert isinstance(autocast("cpu", precision), contextlib.nullcontext)
    with pytest.raises(InputError, match="is not a precision"):
        effective_precision("cpu", "float8")


def test_place_leaves_cudnn_alone_on_the_cpu():
    before = torch.backends.cudnn.benchmark
    model = place(torch.nn.Linear(2, 2), torch.device("cpu"))
    assert next(model.parameters()).device.type == "cpu" and torch.backends.cudnn.benchmark == before


def test_a_cam_asked_for_bfloat16_on_the_cpu_is_the_float32_cam():
    spec = default_spec("c3d_small", ["a", "b", "c"])
    torch.manual_seed(0)
    model = build_model(spec).eval()
    h, w = spec.input.size
    x = torch.randn(2, 3, spec.input.frames, h, w)
    ref = GradCam.for_spec(model, spec)(x, top=2)
    low = GradCam.for_spec(model, spec, precision="bfloat16")(x, top=2)
    assert torch.equal(ref.maps, low.maps) and torch.equal(ref.logits, low.logits)
    assert low.maps.dtype == torch.float32
    with pytest.raises(InputError):
        GradCam.for_spec(model, spec, precision="half")
