"""The one path from a model to stored results: resolving, the device, runs opened or resumed."""

from __future__ import annotations

import pytest
import torch

from cabinlens.engine.analysis.events import ModelWarning, Progress, RunFinished, RunStarted
from cabinlens.engine.analysis.jobs import sweep_job
from cabinlens.engine.analysis.service import (
    Analysis, analyse_models, available_devices, choose_device, device_label, resolve_model,
)
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.errors import InputError
from cabinlens.engine.models import build_model, default_spec
from cabinlens.engine.models.checkpoints import save_model


def test_an_architecture_resolves_to_random_weights_with_a_warning_as_a_value(capsys):
    model = resolve_model("c3d_small")
    assert model.name == "c3d_small (random)" and model.weights == "random:c3d_small:0" and model.source == "c3d_small"
    assert any("random weights" in w for w in model.warnings)
    assert capsys.readouterr().err == ""  # nothing printed: the caller decides where warnings go
    again = resolve_model("c3d_small")  # seed 0: the same weights every time
    assert all(torch.equal(a, b) for a, b in zip(model.model.state_dict().values(), again.model.state_dict().values()))


def test_a_checkpoint_resolves_with_its_own_warnings_and_an_absolute_source(tmp_path, monkeypatch):
    spec = default_spec("c3d_small", DRIVEACT_MIDLEVEL_CLASSES)
    path = save_model(tmp_path / "mine.pt", build_model(spec), spec)
    monkeypatch.chdir(tmp_path)
    model = resolve_model("mine.pt")
    assert model.name == "mine" and len(model.weights) == 64 and model.source == str(path.resolve())
    bare = tmp_path / "bare.pt"
    torch.save(build_model(spec).state_dict(), bare)
    assert any("no class names" in w for w in resolve_model(bare).warnings)
    with pytest.raises(InputError, match="neither a file nor an architecture"):
        resolve_model(tmp_path / "missing.pt")


def test_devices(monkeypatch):
    assert choose_device("auto") == torch.device("cpu") and device_label("cpu") == "CPU"  # no GPU here
    assert available_devices() == [("cpu", "CPU")]
    for wrong in ("tpu", "gpu:0", "nonsense"):
        with pytest.raises(InputError, match="is not a device"):
            choose_device(wrong)
    with pytest.raises(InputError, match="no CUDA device"):
        choose_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: f"GPU{index}")
    assert choose_device("auto") == torch.device("cuda:0") and choose_device("cuda:1") == torch.device("cuda:1")
    assert device_label("cuda:1") == "cuda:1 (GPU1)"
    assert available_devices() == [("cpu", "CPU"), ("cuda:0", "cuda:0 (GPU0)"), ("cuda:1", "cuda:1 (GPU1)")]
    with pytest.raises(InputError, match="only 2 CUDA device"):
        choose_device("cuda:2")


def test_analyse_models_opens_a_run_then_resumes_it(long_gop_video, tmp_path):
    project = tmp_path / "p.cabinlens"
    make = lambda spec: sweep_job(long_gop_video, spec, window=16, stride=60)  # noqa: E731 - 4 windows
    events = list(analyse_models(project, ["c3d_small"], make, Analysis(device="cpu", batch_size=2, workers=1)))
    kinds = [type(e) for e in events]
    assert kinds[0] is ModelWarning and kinds[1] is RunStarted and kinds[-1] is RunFinished
    assert all(k is Progress for k in kinds[2:-1])
    started, finished = events[1], events[-1]
    assert (started.todo, started.total, started.device) == (4, 4, "CPU")
    assert (finished.done, finished.computed, finished.aborted) == (4, 4, False)
    again = list(analyse_models(project, ["c3d_small"], make, Analysis(device="cpu")))
    assert again[1].todo == 0 and again[-1].computed == 0 and again[-1].run_id == finished.run_id
    with Store(project, readonly=True) as store:
        (run,) = store.runs()
        assert run.done == 4 and run.source == "c3d_small" and run.model == "c3d_small (random)"


def test_a_wrong_device_fails_before_any_model_loads(tmp_path, monkeypatch):
    from cabinlens.engine.analysis import service

    monkeypatch.setattr(service, "resolve_model", lambda *a: pytest.fail("a model was loaded"))
    with pytest.raises(InputError, match="no CUDA device"):
        next(analyse_models(tmp_path / "p.cabinlens", ["c3d_small"], lambda spec: None, Analysis(device="cuda:0")))
    assert not (tmp_path / "p.cabinlens").exists()


def test_the_cli_prints_the_warnings_on_stderr_and_names_the_device(long_gop_video, tmp_path, capsys):
    from cabinlens.engine.cli.main import main

    project = tmp_path / "cli.cabinlens"
    args = ["analyze", "--sweep", str(long_gop_video), "--window", "16", "--stride", "60", "--model", "c3d_small",
            "--project", str(project)]
    assert main([*args, "--device", "cpu"]) == 0
    out, err = capsys.readouterr()
    assert "cabinlens: warning: c3d_small (random): c3d_small with random weights" in err
    assert "4 samples in" in out and "on CPU" in out
    assert main([*args, "--device", "cuda:7"]) == 2
    assert "no CUDA device is available here" in capsys.readouterr().err
