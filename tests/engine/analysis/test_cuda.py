"""On a CUDA device the engine gives the CPU's results: the analysis of a split, Grad-CAM, the
pinned staging buffer, the batch from free memory. Skipped where there is no CUDA device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cabinlens.engine.analysis.jobs import open_run, split_job
from cabinlens.engine.analysis.runner import analyse
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.device import Staging
from cabinlens.engine.explain import GradCam
from cabinlens.engine.models import build_model, default_spec

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]


def _model(arch: str = "c3d_small"):
    spec = default_spec(arch, DRIVEACT_MIDLEVEL_CLASSES)
    torch.manual_seed(0)
    return build_model(spec).eval(), spec


def _peak_normalised(maps: torch.Tensor) -> torch.Tensor:
    flat = maps.flatten(2)
    return (flat / flat.amax(dim=2, keepdim=True).clamp_min(1e-12)).view_as(maps)


@pytest.mark.parametrize("arch", ["c3d_small", "i3d_small", "r3d_18"])
def test_cam_on_cuda_equals_cam_on_the_cpu(arch):
    model, spec = _model(arch)
    h, w = spec.input.size
    x = torch.randn(2, 3, spec.input.frames, h, w, generator=torch.Generator().manual_seed(1))
    cpu = GradCam.for_spec(model, spec)(x, top=3)
    model.cuda()
    try:
        gpu = GradCam.for_spec(model, spec)(x.cuda(), top=3)
    finally:
        model.cpu()
    assert gpu.maps.device.type == "cuda" and gpu.maps.dtype == torch.float32
    assert torch.equal(gpu.targets.cpu(), cpu.targets)
    assert torch.allclose(gpu.logits.cpu(), cpu.logits, atol=1e-3, rtol=1e-3)
    assert (_peak_normalised(gpu.maps.cpu()) - _peak_normalised(cpu.maps)).abs().max() <= 1e-2


def test_analysis_on_cuda_equals_the_cpu(synth_small, tmp_path):
    model, spec = _model()
    job = split_job(synth_small, spec, split=0, subset="val")
    results = {}
    for device, batch in (("cpu", 8), ("cuda:0", None)):  # None: the batch from free memory
        with Store(tmp_path / f"{device.replace(':', '')}.cabinlens") as store:
            run_id = open_run(store, job, spec, "c3d_small (random)", "random:c3d_small:0", "clip")
            list(analyse(store, run_id, model, spec, batch_size=batch, device=device, workers=2))
            results[device] = (store.results(run_id), {i: store.cams(run_id, i) for i in range(0, len(job.samples), 5)})
    model.cpu()
    (cpu, cpu_cams), (gpu, gpu_cams) = results["cpu"], results["cuda:0"]
    assert np.array_equal(gpu.indices, cpu.indices) and len(cpu.indices) == len(job.samples)
    assert np.allclose(gpu.logits, cpu.logits, atol=1e-3, rtol=1e-3)
    assert (gpu.logits.argmax(1) == cpu.logits.argmax(1)).mean() >= 0.99
    same = [i for i in cpu_cams if np.array_equal(gpu_cams[i][0], cpu_cams[i][0])]  # same top-5 and truth
    assert len(same) >= 0.99 * len(cpu_cams)
    for i in same:
        g, c = (torch.from_numpy(m[i][1]).float()[None] for m in (gpu_cams, cpu_cams))
        assert (_peak_normalised(g) - _peak_normalised(c)).abs().max() <= 1e-2


def test_the_pinned_buffer_is_reused_and_every_batch_arrives_whole():
    staging = Staging("cuda:0")
    for size in (4, 4, 2, 4):
        clips = [np.full((8, 16, 16, 3), (size * 10 + i) % 256, dtype=np.uint8) for i in range(size)]
        batch = staging(clips)
        assert batch.device.type == "cuda"
        assert np.array_equal(batch.cpu().numpy(), np.stack(clips))
    assert staging.pinned_bytes == 4 * 8 * 16 * 16 * 3  # allocated once, for the largest batch


def test_bfloat16_autocast_keeps_the_maps_in_float32():
    model, spec = _model()
    model.cuda()
    try:
        h, w = spec.input.size
        x = torch.randn(2, 3, spec.input.frames, h, w, device="cuda")
        result = GradCam.for_spec(model, spec, precision="bfloat16")(x, top=2)
    finally:
        model.cpu()
    assert result.maps.dtype == torch.float32 and result.logits.dtype == torch.float32
    assert torch.isfinite(result.maps).all()
