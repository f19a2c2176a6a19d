"""The runner on the chosen device: a batch that runs out of memory is halved without losing or
repeating a clip (a fake out-of-memory on the CPU), and ``auto`` says where it ran."""

from __future__ import annotations

import numpy as np
import torch

from cabinlens.engine.analysis.jobs import open_run, sweep_job
from cabinlens.engine.analysis.runner import analyse
from cabinlens.engine.analysis.service import Analysis, RunStarted, analyse_models
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.explain import GradCam
from cabinlens.engine.models import build_model, default_spec


def _analyse(tmp_path, video, name: str, batch_size: int) -> tuple[list, np.ndarray, list[int]]:
    spec = default_spec("c3d_small", DRIVEACT_MIDLEVEL_CLASSES)
    torch.manual_seed(0)
    model = build_model(spec)
    job = sweep_job(video, spec, window=16, stride=30)
    with Store(tmp_path / f"{name}.cabinlens") as store:
        run_id = open_run(store, job, spec, "c3d_small (random)", "random:c3d_small:0", "clip")
        progress = list(analyse(store, run_id, model, spec, batch_size=batch_size, workers=1))
        results = store.results(run_id)
        stored = sorted(store.done(run_id))
    return progress, results.logits, stored


def test_an_out_of_memory_batch_is_halved_and_every_clip_stored_once(long_gop_video, tmp_path, monkeypatch):
    _, reference, clips = _analyse(tmp_path, long_gop_video, "reference", 8)
    assert len(clips) >= 5
    real_call = GradCam.__call__
    sizes: list[int] = []

    def tight_memory(self, x, *args, **kwargs):
        sizes.append(x.shape[0])
        if x.shape[0] > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (fake)")
        return real_call(self, x, *args, **kwargs)

    monkeypatch.setattr(GradCam, "__call__", tight_memory)
    progress, logits, stored = _analyse(tmp_path, long_gop_video, "halved", 8)
    assert stored == clips and progress[-1].done == progress[-1].total == len(clips)
    assert sizes[0] == min(8, len(clips)) and max(sizes[1:]) <= 4 and sizes.count(1) == 0
    assert np.allclose(logits, reference, atol=1e-5)  # the same numbers, each clip once


def test_auto_on_a_machine_without_a_gpu_says_it_uses_the_cpu(long_gop_video, tmp_path):
    if torch.cuda.is_available():
        return
    make = lambda spec: sweep_job(long_gop_video, spec, window=16, stride=120)  # noqa: E731 - 2 windows
    events = list(analyse_models(tmp_path / "auto.cabinlens", ["c3d_small"], make, Analysis(device="auto")))
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.device == "auto (CPU)"
