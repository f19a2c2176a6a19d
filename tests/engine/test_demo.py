"""The demo: shipped weights, their recorded accuracy on regenerated data, the headless path, the cache."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from cabinlens.engine.analysis.report import run_metrics
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.data.synth.activities import REVERSED
from cabinlens.engine.demo import PROJECT, SHIPPED, DemoReady, prepare, recorded_metrics, shipped_models
from cabinlens.engine.progress import Message
from cabinlens.engine.models.checkpoints import load_model

# The confusions the synthetic data is built to provoke (see engine.data.synth.activities), and
# magazine/newspaper: the same reading movement with paper objects of different size.
DESIGNED = {frozenset(p) for p in REVERSED.items()} | {frozenset(("eating", "preparing_food")),
                                                       frozenset(("putting_laptop_into_backpack", "placing_an_object")),
                                                       frozenset(("reading_magazine", "reading_newspaper"))}


def test_shipped_weights_are_small_recorded_and_load():
    record = recorded_metrics()["models"]
    assert list(record) == list(SHIPPED)
    for path in shipped_models():
        entry = record[path.stem]
        assert path.stat().st_size <= 5 * 2**20
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        loaded = load_model(path)
        assert loaded.spec.arch == path.stem and len(loaded.spec.classes) == 34 and not loaded.warnings
        training = loaded.training  # the checkpoint's own record says how it was made
        assert training["command"] == "cabinlens train" and training["config"]["seed"] == 0
        assert training["synthetic_dataset"]["scale"] == "medium" and training["epochs_done"] == training["config"]["epochs"]
        assert entry["training"]["command"].startswith(f"cabinlens train --data DATA --model {path.stem} ")


def test_shipped_weights_reach_their_recorded_accuracy_on_regenerated_data(demo_data):
    record = recorded_metrics()["models"]
    top1 = {}
    designed = errors = 0
    with Store(demo_data / PROJECT, readonly=True) as store:
        runs = [r for r in store.runs() if r.kind == "split"]
        assert sorted((r.model, r.name.rsplit(" ", 1)[-1]) for r in runs) == sorted(
            (m, s) for m in SHIPPED for s in ("val", "test"))
        for info in runs:
            subset = info.name.rsplit(" ", 1)[-1]
            m = run_metrics(store, info)
            want = record[info.model]["evaluation"][subset]
            assert info.done == want["samples"]
            for group in ("all", "common", "rare"):
                assert m.top1[group] == pytest.approx(want["balanced_top1"][group], abs=0.01), (info.name, group)
            top1[info.model, subset] = m.top1["all"]
            if info.model == "i3d_small":
                off = m.confusion.copy()
                np.fill_diagonal(off, 0)
                errors += int(off.sum())
                designed += sum(int(off[i, j]) for i, j in zip(*np.nonzero(off))
                                if frozenset((info.classes[i], info.classes[j])) in DESIGNED)
    assert designed >= 0.6 * errors > 0  # failures to diagnose, mostly the built-in confusions
    assert 0.70 <= top1["i3d_small", "test"] <= 0.97
    assert top1["i3d_small", "test"] > top1["p3d_small", "test"] > top1["c3d_small", "test"]  # as in the paper


def test_second_preparation_finds_everything_cached(demo_data):
    items = list(prepare(demo_data))
    assert isinstance(items[-1], DemoReady) and items[-1].cached
    assert not [i for i in items if isinstance(i, Message) and ("analysing" in i.text or "generating" in i.text)]


def test_headless_demo_writes_the_report(demo_data, tmp_path, capsys):
    from cabinlens.engine.cli.main import main

    out = tmp_path / "report"
    assert main(["demo", "--headless", "--data", str(demo_data), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "(cached)" in text and "i3d_small: inner_mirror/midlevel split 0 test: balanced top-1" in text
    assert re.search(r"run \d+ i3d_small: inner_mirror/midlevel split 0 test vs run \d+ c3d_small on 241 shared clips", text)
    assert "McNemar p" in text
    summary = json.loads((out / "metrics.json").read_text())
    assert len(summary["runs"]) == 6
    assert (out / "index.html").is_file() and (out / "table1.md").is_file()
    for run in summary["runs"]:
        for name in ("confusion.png", "tsne.png", "ward.png", "table2.csv"):
            assert (out / run["folder"] / name).stat().st_size > 0
    _pairs_match_the_predictions(out, summary)
    _embeddings_match_scikit_learn(out, summary, demo_data)
    assert "Grad-CAM peak on the evidence in" in text
    explained = [run["explanations"] for run in summary["runs"] if run["kind"] == "split"]
    assert len(explained) == 6 and all(e["clips"] > 100 and e["without_evidence"] == 0 for e in explained)
    assert all(0 <= e["pointing"] <= 1 and 0 < e["area"] < 1 for e in explained)


def _embeddings_match_scikit_learn(out, summary, demo_data) -> None:
    """The embedding table's silhouettes, recomputed from the stored features with scikit-learn; Fig. 4 per subset."""
    import csv

    from sklearn.metrics import silhouette_score

    with open(out / "embeddings.csv") as f:
        rows = {int(r["run"]): r for r in csv.DictReader(f)}
    assert len(rows) == 6
    with Store(demo_data / PROJECT, readonly=True) as store:
        for run_id, row in rows.items():
            res = store.results(run_id)
            keep = res.labels >= 0
            want = silhouette_score(res.features[keep].astype(np.float64), res.labels[keep])
            assert float(row["silhouette"]) == pytest.approx(want, abs=2e-3) and int(row["clips"]) == keep.sum()
    by_model = {r["model"]: float(r["silhouette"]) for r in rows.values()}
    test = {name.split(":")[0]: v for name, v in by_model.items() if name.endswith("test")}
    assert test["i3d_small"] > test["c3d_small"]  # the paper's Fig. 4: I3D's classes separate best
    assert all(run["separability"]["clips"] > 0 for run in summary["runs"] if run["kind"] == "split")
    for n in (1, 2):  # val and test, three models each
        assert (out / f"tsne_models_{n}.png").stat().st_size > 10000 and (out / f"tsne_models_{n}.svg").exists()
    assert "tsne_models_2.png" in (out / "index.html").read_text()


def _pairs_match_the_predictions(out, summary) -> None:
    """Each two models of a subset, recounted from predictions.csv: clips only one gets right, McNemar by hand."""
    import csv
    from math import comb

    pairs = summary["pairs"]
    assert len(pairs) == 6  # three models, two subsets: val with val, test with test
    assert all(p["model_a"].rsplit(" ", 1)[-1] == p["model_b"].rsplit(" ", 1)[-1] for p in pairs)
    right: dict[int, dict] = {}
    with open(out / "predictions.csv") as f:
        for row in csv.DictReader(f):
            if row["ground_truth"]:
                key = (row["file_id"], row["frame_start"], row["frame_end"])
                right.setdefault(int(row["run"]), {})[key] = row["top1"] == row["ground_truth"]
    for p in pairs:
        a, b = right[int(p["run_a"])], right[int(p["run_b"])]
        assert set(a) == set(b) and int(p["shared_clips"]) == len(a)
        only_a = sum(a[k] and not b[k] for k in a)
        only_b = sum(b[k] and not a[k] for k in a)
        assert (int(p["only_a_right"]), int(p["only_b_right"])) == (only_a, only_b)
        n = only_a + only_b
        by_hand = min(1.0, 2 * sum(comb(n, k) for k in range(min(only_a, only_b) + 1)) / 2 ** n)
        assert float(p["mcnemar_p"]) == pytest.approx(by_hand, rel=2e-3)
    assert (out / "pairs.csv").read_text().count("\n") == 7 and "\\toprule" in (out / "pairs.tex").read_text()
    assert "McNemar" in (out / "index.html").read_text()


def test_demo_without_a_display_runs_headless_and_says_so(monkeypatch, capsys, tmp_path):
    import cabinlens.launcher
    import cabinlens.engine.cli.main

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(cabinlens.launcher.sys, "platform", "linux")
    seen = []
    monkeypatch.setattr(cabinlens.engine.cli.main, "main", lambda argv: seen.append(argv) or 0)
    assert cabinlens.launcher.main(["demo", "--data", str(tmp_path)]) == 0
    assert seen == [["demo", "--data", str(tmp_path), "--headless"]]
    assert "no display found" in capsys.readouterr().err


def test_a_broken_dataset_is_named(tmp_path):
    from cabinlens.engine.demo import DATASET

    (tmp_path / DATASET).mkdir()
    (tmp_path / DATASET / "synth.json").write_text("not json")
    with pytest.raises(Exception) as info:
        list(prepare(tmp_path))
    assert "synth.json" in str(info.value) or DATASET in str(info.value)

