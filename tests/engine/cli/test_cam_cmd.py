"""``cabinlens cam --normalise dataset --scale-from PROJECT``: the window's per-dataset colours on the command line."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.analysis.cam_scale import cam_scale
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.main import main


@pytest.fixture(scope="module")
def project(demo_data):
    from cabinlens.engine.demo import PROJECT

    return str(demo_data / PROJECT)


@pytest.fixture(scope="module")
def trained(project):
    """A split run made from a checkpoint file, one of its clips, and its dataset divisor."""
    with Store(project, readonly=True) as store:
        run = next(r for r in store.runs() if r.kind == "split" and r.source.endswith(".pt"))
        sample = store.samples(run.id)[0]
        return run, sample, cam_scale(store, run.id).divisor


def test_the_divisor_comes_from_the_project_runs_of_the_same_weights(project, trained, tmp_path, capsys):
    run, sample, divisor = trained
    clip = ["cam", run.source, sample.video, "--start", str(sample.frame_start), "--end", str(sample.frame_end),
            "--mode", run.cam_mode, "--device", "cpu"]
    assert main([*clip, "--normalise", "dataset", "--scale-from", project, "--out", str(tmp_path / "d.npz")]) == 0
    printed = capsys.readouterr().out
    assert "normalised per dataset" in printed and f"{divisor:.3g}" in printed
    dataset = np.load(tmp_path / "d.npz")
    np.testing.assert_allclose(dataset["scale"], divisor, rtol=1e-6)
    assert main([*clip, "--normalise", "raw", "--out", str(tmp_path / "r.npz")]) == 0
    raw = np.load(tmp_path / "r.npz")
    # frame maps are stored as float16: equal to its precision
    np.testing.assert_allclose(dataset["frame_maps"].astype(np.float32) * divisor, raw["frame_maps"], rtol=2e-3, atol=1e-4)


def test_scale_from_errors_name_the_problem_and_write_nothing(project, trained, tmp_path, capsys):
    run, sample, _ = trained
    out = tmp_path / "cam.npz"
    clip = [sample.video, "--start", str(sample.frame_start), "--end", str(sample.frame_end), "--out", str(out)]
    assert main(["cam", "c3d_small", *clip, "--normalise", "dataset", "--scale-from", project]) == 2
    assert "no run of c3d_small (random)" in capsys.readouterr().err  # random weights were never analysed there
    assert main(["cam", run.source, *clip, "--mode", "time", "--normalise", "dataset", "--scale-from", project]) == 2
    assert "mode time" in capsys.readouterr().err  # the project's maps are in other units
    assert main(["cam", run.source, *clip, "--scale-from", project]) == 2
    assert "--scale-from goes with --normalise dataset" in capsys.readouterr().err
    assert main(["cam", run.source, *clip, "--normalise", "dataset", "--scale", "2", "--scale-from", project]) == 2
    assert "not both" in capsys.readouterr().err
    not_a_project = tmp_path / "notes.cabinlens"
    not_a_project.write_text("not a database")
    assert main(["cam", run.source, *clip, "--normalise", "dataset", "--scale-from", str(not_a_project)]) == 2
    assert "notes.cabinlens" in capsys.readouterr().err
    assert not out.exists()


def test_the_finer_weightings_at_a_finer_layer_from_the_command_line(trained, tmp_path, capsys):
    run, sample, _ = trained
    clip = ["cam", run.source, sample.video, "--start", str(sample.frame_start), "--end", str(sample.frame_end),
            "--device", "cpu", "--normalise", "raw"]
    assert main([*clip, "--out", str(tmp_path / "paper.npz")]) == 0
    paper = np.load(tmp_path / "paper.npz")
    layer = {"i3d_small": "Mixed_3b", "c3d_small": "bn4b", "p3d_small": "layer2"}[str(paper["model"])]
    assert main([*clip, "--mode", "hires", "--layer", layer, "--out", str(tmp_path / "hires.npz")]) == 0
    printed = capsys.readouterr().out
    assert f"layer {layer}" in printed and "mode hires" in printed
    hires = np.load(tmp_path / "hires.npz")
    assert hires["layer_maps"].shape[-1] > paper["layer_maps"].shape[-1]  # a finer map than the paper's
