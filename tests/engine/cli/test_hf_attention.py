"""Attention-based maps of a VideoMAE through the tool: analyze --mode attngrad/rollout, the report's pointing game
and sanity checks of that run, cam --mode rollout, and one line for a model whose attention cannot be read."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.main import main

pytest.importorskip("transformers")


@pytest.mark.slow
def test_an_attngrad_run_is_stored_scored_and_checked_beside_the_grad_cam_run(hf_project, synth_small, tmp_path, capsys):
    project = Path(shutil.copy(hf_project, tmp_path / "attention.cabinlens"))
    assert main(["analyze", "--project", str(project), "--model", str(hf_project.parent / "videomae"), "--mode", "attngrad",
                 "--data", str(synth_small), "--subset", "val", "--device", "cpu"]) == 0
    with Store(project, readonly=True) as store:
        runs = {r.name.split(":")[0]: r for r in store.runs()}
        run = runs["videomae (attngrad)"]
        assert run.cam_mode == "attngrad" and run.done == run.total
        _, maps = store.cams(run.id, 0)
        assert maps.shape[1:] == (2, 4, 4) and np.isfinite(maps).all() and maps.max() > 0
    capsys.readouterr()
    out = tmp_path / "report"
    assert main(["report", str(project), "--out", str(out), "--no-figures", "--sanity-clips", "2", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    with open(out / "explanations.csv", newline="") as f:
        scored = {row["model"].split(":")[0] for row in csv.DictReader(f)}
    assert "videomae (attngrad)" in scored and "videomae" in scored
    assert "videomae (attngrad): sanity on" in captured.out
    (folder,) = out.glob(f"run{run.id}_*")
    with open(folder / "sanity_randomisation.csv", newline="") as f:
        assert [row["randomised_down_to"] for row in csv.DictReader(f)][0] == "hf.classifier"


def test_rollout_of_a_model_without_joint_attention_is_one_line_and_opens_no_run(hf_project, synth_small, tmp_path, capsys):
    project = Path(shutil.copy(hf_project, tmp_path / "refused.cabinlens"))
    with Store(project, readonly=True) as store:
        before = len(store.runs())
    code = main(["analyze", "--project", str(project), "--model", str(hf_project.parent / "videomae"), "--model",
                 str(hf_project.parent / "timesformer"), "--mode", "rollout", "--data", str(synth_small), "--subset", "val",
                 "--device", "cpu"])  # refused before the VideoMAE, which could be explained, runs
    err = capsys.readouterr().err
    assert code != 0
    line = next(x for x in err.splitlines() if "rollout" in x)
    assert "divided attention" in line and "timesformer" in line
    with Store(project, readonly=True) as store:
        assert len(store.runs()) == before


def test_cam_writes_rollout_maps_of_a_videomae(hf_project, synth_small, tmp_path, capsys):
    clip = next(Path(synth_small).glob("inner_mirror/vp*/*.mp4"))
    out = tmp_path / "rollout.npz"
    assert main(["cam", str(hf_project.parent / "videomae"), str(clip), "--start", "0", "--end", "48", "--top", "2",
                 "--mode", "rollout", "--out", str(out), "--device", "cpu"]) == 0
    said = capsys.readouterr().out
    assert "mode rollout" in said and "one map for every class" in said
    with np.load(out) as saved:
        maps = saved["layer_maps"]
        assert str(saved["mode"]) == "rollout"
    assert np.allclose(maps[0], maps[1])  # one map for every class


def test_a_block_the_model_lacks_names_the_blocks_it_has(hf_project, synth_small, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clip = next(Path(synth_small).glob("inner_mirror/vp*/*.mp4"))
    assert main(["cam", str(hf_project.parent / "videomae"), str(clip), "--start", "0", "--end", "48", "--mode", "rollout",
                 "--layer", "hf.videomae.encoder.layer.5", "--out", "unused.npz", "--device", "cpu"]) != 0
    err = capsys.readouterr().err
    assert "hf.videomae.encoder.layer.0 ... hf.videomae.encoder.layer.1" in err
