"""Analysis end to end on the synthetic dataset: runner, store (resume, kill, WAL), jobs, report."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score

from cabinlens.engine.analysis.jobs import open_run, split_job, sweep_job
from cabinlens.engine.analysis.runner import analyse
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.main import main
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.errors import InputError
from cabinlens.engine.explain import GradCam
from cabinlens.engine.models import build_model, default_spec

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def c3d():
    spec = default_spec("c3d_small", DRIVEACT_MIDLEVEL_CLASSES)
    torch.manual_seed(0)  # the same weights the CLI builds for "c3d_small"
    return build_model(spec), spec


@pytest.fixture(scope="module")
def analysed(synth_small, c3d, tmp_path_factory):
    """Split-0 val analysed once, uninterrupted: the reference for the other tests."""
    model, spec = c3d
    project = tmp_path_factory.mktemp("project") / "reference.cabinlens"
    with Store(project) as store:
        run_id = open_run(store, split_job(synth_small, spec, split=0, subset="val"), spec, "c3d_small (random)",
                          "random:c3d_small:0", "clip")
        progress = list(analyse(store, run_id, model, spec, batch_size=8))
    return project, run_id, progress


def test_one_pass_stores_logits_embeddings_and_cams(analysed, c3d):
    project, run_id, progress = analysed
    model, spec = c3d
    assert progress[-1].done == progress[-1].total == 157 and progress[0].done == 0
    with Store(project, readonly=True) as store:
        info = store.run(run_id)
        assert info.finished is not None and info.done == 157 and info.params["subset"] == "val"
        results = store.results(run_id)
        assert results.logits.shape == (157, 34) and results.features.shape == (157, 256)
        assert results.features.dtype == np.float16
        targets, maps = store.cams(run_id, 3)
        sample = store.samples(run_id)[3]
    assert targets.shape == (6,) and targets[5] == sample.label and maps.shape == (6, 2, 7, 7)
    # Recompute the sample alone: same logits, same top-5, same maps (at float16 precision).
    from cabinlens.engine.analysis.runner import load_clip
    from cabinlens.engine.video.pool import ReaderPool

    readers = ReaderPool()
    clip = torch.from_numpy(load_clip(readers, sample, spec))[None].permute(0, 4, 1, 2, 3)
    readers.close()
    alone = GradCam.for_spec(model, spec)(spec.input.normalise(clip), top=5, extra=[sample.label])
    np.testing.assert_allclose(results.logits[3], alone.logits[0].numpy(), rtol=1e-4, atol=1e-5)
    assert targets.tolist() == alone.targets[0].tolist()
    np.testing.assert_allclose(maps.astype(np.float32), alone.maps[0].numpy(), rtol=2e-3, atol=1e-6)


def test_clips_decoded_in_processes_give_the_threads_results(analysed, synth_small, c3d, tmp_path):
    project, run_id, _ = analysed
    model, spec = c3d
    with Store(tmp_path / "processes.cabinlens") as store:
        again = open_run(store, split_job(synth_small, spec, split=0, subset="val"), spec, "c3d_small (random)",
                         "random:c3d_small:0", "clip")
        list(analyse(store, again, model, spec, batch_size=8, workers=2, processes=True, only=range(24)))
        got = store.results(again)
    with Store(project, readonly=True) as store:
        want = store.results(run_id)
    assert sorted(got.indices.tolist()) == list(range(24))
    np.testing.assert_allclose(got.logits, want.logits[got.indices], rtol=1e-4, atol=1e-5)


def test_killed_mid_run_resumes_with_every_sample_exactly_once(analysed, synth_small, tmp_path):
    project = tmp_path / "killed.cabinlens"
    argv = [sys.executable, "-m", "cabinlens", "analyze", "--data", str(synth_small), "--subset", "val",
            "--model", "c3d_small", "--project", str(project), "--batch-size", "4", "--workers", "1", "--device", "cpu"]
    child = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.2)
        if project.exists():
            with Store(project, readonly=True) as reader:  # reading while the child writes (WAL)
                runs = reader.runs()
                stored = runs[0].done if runs else 0
            if stored >= 12:
                break
    assert child.poll() is None, "the analysis finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert 12 <= stored < 157
    assert main(argv[3:]) == 0  # the same command resumes
    ref_project, ref_run, _ = analysed
    with Store(project, readonly=True) as store, Store(ref_project, readonly=True) as ref:
        (info,) = store.runs()
        results = store.results(info.id)
        assert info.done == info.total == 157 and results.indices.tolist() == list(range(157))
        count = store.db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        assert count == 157
        np.testing.assert_allclose(results.logits, ref.results(ref_run).logits, rtol=1e-4, atol=1e-5)


def test_changed_weights_or_annotations_start_a_new_run(synth_small, c3d, tmp_path):
    model, spec = c3d
    job = split_job(synth_small, spec, split=0, subset="val")
    with Store(tmp_path / "p.cabinlens") as store:
        a = open_run(store, job, spec, "m", "sha-a", "clip")
        assert open_run(store, job, spec, "m", "sha-a", "clip") == a  # found again: resume
        assert open_run(store, job, spec, "m", "sha-b", "clip") != a  # another checkpoint
        assert open_run(store, job, spec, "m", "sha-a", "time") != a  # another CAM mode
        other = job.__class__(job.kind, job.name, job.samples, job.params, "other-annotations", job.dataset_hash, {})
        assert open_run(store, other, spec, "m", "sha-a", "clip") != a
        assert len(store.runs()) == 4


def test_abort_between_batches_keeps_what_was_stored(synth_small, c3d, tmp_path):
    model, spec = c3d
    stop = threading.Event()
    with Store(tmp_path / "p.cabinlens") as store:
        run_id = open_run(store, split_job(synth_small, spec, split=0, subset="val"), spec, "m", "w", "clip")
        seen = []
        for progress in analyse(store, run_id, model, spec, batch_size=4, abort=stop):
            seen.append(progress)
            if progress.done >= 8:
                stop.set()
        assert seen[-1].aborted and store.run(run_id).done == 8 and store.run(run_id).finished is None


def test_sweep_windows_cover_the_session_and_take_the_label_at_their_centre(synth_small, c3d):
    _, spec = c3d
    video = next((synth_small / "inner_mirror" / "vp14").glob("*.mp4"))
    csv_path = synth_small / "iccv_activities_3s" / "activities_3s" / "inner_mirror" / "midlevel.chunks_90.split_0.val.csv"
    job = sweep_job(video, spec, window=16, stride=30, annotations=csv_path)
    from cabinlens.engine.video.reader import probe

    n = probe(video).frame_count
    assert len(job.samples) == (n - 16) // 30 + 1 and job.samples[-1].frame_end <= n
    rows = list(csv.DictReader(open(csv_path)))
    stem = video.name[:-4]
    for s in job.samples[::7]:
        centre = s.frame_start + 8
        hit = [r for r in rows if r["file_id"].endswith(stem) and int(r["frame_start"]) <= centre < int(r["frame_end"])]
        assert (s.label_name == hit[0]["activity"]) if hit else (s.label == -1)
    assert job.samples[0].file_id == f"vp14/{stem}"


def test_report_matches_an_independent_computation(analysed, tmp_path, capsys):
    project, run_id, _ = analysed
    out = tmp_path / "report"
    assert main(["report", str(project), "--out", str(out)]) == 0
    assert "balanced top-1" in capsys.readouterr().out
    with open(out / "predictions.csv") as f:
        preds = list(csv.DictReader(f))
    assert len(preds) == 157
    truth = [p["ground_truth"] for p in preds]
    top1 = [p["top1"] for p in preds]
    expected = balanced_accuracy_score(truth, top1)
    with open(out / "table1.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["top1_all"]) == pytest.approx(100 * expected, abs=0.006)
    top5_hits = {}
    for p in preds:
        top5_hits.setdefault(p["ground_truth"], []).append(p["ground_truth"] in [p[f"top{k}"] for k in range(1, 6)])
    assert float(row["top5_all"]) == pytest.approx(100 * np.mean([np.mean(v) for v in top5_hits.values()]), abs=0.006)
    folder = next(out.glob("run*"))
    with open(folder / "table2.csv") as f:
        table2 = {r["class"]: r for r in csv.DictReader(f)}
    assert len(table2) == 34
    for name, r in table2.items():
        support = sum(t == name for t in truth)
        assert int(r["support"]) == support
        if support:
            recall = np.mean([p == name for t, p in zip(truth, top1, strict=True) if t == name])
            assert float(r["recall"]) == pytest.approx(100 * recall, abs=0.006)
    for stem in ("confusion", "tsne", "ward", "recall_vs_frequency"):
        assert (folder / f"{stem}.png").stat().st_size > 1000 and (folder / f"{stem}.svg").exists()
    assert "\\toprule" in (out / "table1.tex").read_text() and "| model |" in (out / "table1.md").read_text()
    page = (out / "index.html").read_text()
    assert f"{folder.name}/tsne.png" in page
    data = json.loads((out / "metrics.json").read_text())
    assert data["runs"][0]["metrics"]["n_samples"] == 157
    scored = data["runs"][0]["explanations"]  # the synthetic videos have evidence files
    assert scored["clips"] + scored["without_evidence"] == 157 and scored["clips"] > 100
    with open(out / "explanations.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["pointing"]) == pytest.approx(100 * scored["pointing"], abs=0.006)
    assert main(["report", str(project), "--out", str(tmp_path / "again"), "--json", "--no-figures"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["samples"] == 157


def test_a_report_without_evidence_files_says_so(analysed, tmp_path, monkeypatch):
    import cabinlens.engine.analysis.explanations
    from cabinlens.engine.analysis.report import write_report

    project, _, _ = analysed
    monkeypatch.setattr(cabinlens.engine.analysis.explanations, "evidence_path", lambda video: tmp_path / "none.evidence.csv")
    summary = write_report(project, tmp_path / "report", figures_too=False)
    assert summary["runs"][0]["explanations"] is None
    assert (tmp_path / "report" / "explanations.csv").read_text().count("\n") == 1  # the header alone
    assert "No evidence files beside the videos" in (tmp_path / "report" / "index.html").read_text()


def test_bad_input_gets_a_clear_message(synth_small, tmp_path, capsys):
    not_project = tmp_path / "notes.cabinlens"
    not_project.write_text("these are my notes, not a database " * 50)
    assert main(["report", str(not_project), "--out", str(tmp_path / "r")]) == 2
    assert "notes.cabinlens: is not a CabinLens project" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "none.cabinlens"), "--out", str(tmp_path / "r")]) == 2
    spec = default_spec("c3d_small", ("eating", "drinking"))
    with pytest.raises(InputError, match="the model does not know 32 of the file's 34 labels"):
        split_job(synth_small, spec, split=0, subset="val")


def test_prefetch_stops_its_threads_when_the_consumer_stops_early_or_fails(synth_small, c3d):
    from cabinlens.engine.analysis.prefetch import prefetch

    _, spec = c3d
    job = split_job(synth_small, spec, split=0, subset="val")
    items = list(enumerate(job.samples[:40]))
    got = []
    for idx, clip in prefetch(items, spec, workers=2, ahead=4, block=5):
        got.append(idx)
        assert clip.shape == (16, 112, 112, 3)
        if len(got) == 7:
            break  # closing the generator must join the decoding threads (checked by the fixture)
    assert sorted(set(got)) == sorted(got)
    everything = sorted(i for i, _ in prefetch(items, spec, workers=3, ahead=4, block=5))
    assert everything == list(range(40))
    broken = [(99, job.samples[0].__class__("x", "/nonexistent/video.mp4", 0, 10, 0, "eating"))]
    # A clip that cannot be decoded comes as a SampleFailed in its place; the others still come.
    from cabinlens.engine.analysis.clip_loading import SampleFailed

    out = dict(prefetch(broken + items[:3], spec, workers=2, ahead=2))
    assert sorted(out) == [0, 1, 2, 99]
    assert isinstance(out[99], SampleFailed) and "nonexistent/video.mp4" in str(out[99].as_error(0))
    assert all(isinstance(out[i], np.ndarray) for i in (0, 1, 2))


def test_readers_are_kept_per_thread_and_forgotten_when_evicted(synth_small, c3d):
    from cabinlens.engine.analysis.runner import load_clip
    from cabinlens.engine.video.pool import ReaderPool

    _, spec = c3d
    samples = split_job(synth_small, spec, split=0, subset="test").samples
    by_video = {}
    for s in samples:
        by_video.setdefault(s.video, s)
    readers = ReaderPool(per_thread=2)
    for _ in range(3):  # jumping between three videos, as a shuffled training epoch does
        for s in by_video.values():
            load_clip(readers, s, spec)
    assert len(by_video) == 3 and readers.open_count() == 2  # evicted readers are not kept alive
    first = readers.get(next(iter(by_video)))
    assert readers.get(next(iter(by_video))) is first
    readers.close()
    assert readers.open_count() == 0
