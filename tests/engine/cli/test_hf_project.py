"""A project analysed by Hugging Face models (``hf_project``: a tiny VideoMAE and a tiny TimeSformer) through
the rest of the tool: a sweep, sessions, near misses, the report with its model comparison, pointing game
and sanity checks."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.main import main

pytest.importorskip("transformers")


def test_a_sweep_and_the_sessions_of_a_token_model(hf_project, synth_small, tmp_path, capsys):
    project = Path(shutil.copy(hf_project, tmp_path / "sweep.cabinlens"))
    video = next((Path(synth_small) / "inner_mirror" / "vp14").glob("*.mp4"))
    assert main(["analyze", "--sweep", str(video), "--window", "16", "--stride", "400", "--model",
                 str(hf_project.parent / "videomae"), "--project", str(project), "--device", "cpu"]) == 0
    with Store(project, readonly=True) as store:
        sweep = next(r for r in store.runs() if r.kind == "sweep")
        assert sweep.model == "videomae" and sweep.done == sweep.total > 10
        _, maps = store.cams(sweep.id, 0)
        assert maps.shape[1:] == (2, 4, 4)
    capsys.readouterr()
    assert main(["sessions", str(project), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    vp14 = next(r for r in rows if r["file_id"].startswith("vp14/"))
    assert {(r["model"], r["kind"]) for r in vp14["runs"]} == {("videomae", "split"), ("timesformer", "split"),
                                                               ("videomae", "sweep")}


def test_near_misses_of_a_token_models_run(hf_project, capsys):
    assert main(["near-misses", str(hf_project), "--run", "1", "--json"]) == 0
    pairs = json.loads(capsys.readouterr().out)["pairs"]
    assert pairs and all(p["class"] in ("sitting_still", "placing_an_object") for p in pairs)


@pytest.mark.slow
def test_the_report_compares_and_checks_token_models_as_cnns(hf_project, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["report", str(hf_project), "--out", str(out), "--no-figures", "--sanity-clips", "2", "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["pairs"]) == 1  # the two models side by side on the same clips
    # the pointing game of the stored maps, per model
    with open(out / "explanations.csv", newline="") as f:
        scored = {row["model"].split(":")[0] for row in csv.DictReader(f)}
    assert scored == {"videomae", "timesformer"}
    # the sanity checks randomise every transformer block, from the head down to the embeddings
    for run, base in ((1, "videomae"), (2, "timesformer")):
        (folder,) = out.glob(f"run{run}_*")
        with open(folder / "sanity_randomisation.csv", newline="") as f:
            steps = [row["randomised_down_to"] for row in csv.DictReader(f)]
        assert steps[0] == "hf.classifier" and steps[-1] == f"hf.{base}.embeddings"
        assert [s for s in steps if ".encoder.layer." in s] == [f"hf.{base}.encoder.layer.1", f"hf.{base}.encoder.layer.0"]
    assert captured.out.count("sanity on") == 2
