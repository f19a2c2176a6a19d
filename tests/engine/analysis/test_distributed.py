"""Analysis under torchrun: shards, shard stores merged once, resuming after a killed rank.

The real launcher runs here: ``python -m torch.distributed.run --standalone --nproc-per-node 2``
with the gloo backend on the CPU, compared with the same analysis in one process (``val_project``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from cabinlens.engine.analysis.distributed import Rank, merge_shards, shard_folder, shard_indices
from cabinlens.engine.analysis.metrics import evaluate
from cabinlens.engine.analysis.store import Store

pytestmark = pytest.mark.slow


def test_shards_are_disjoint_complete_balanced_and_unpadded():
    for count in (0, 1, 2, 7, 157, 1000):
        for world in (1, 2, 3, 8, 13):
            shards = [shard_indices(count, r, world) for r in range(world)]
            flat = [i for s in shards for i in s]
            assert flat == list(range(count))  # each sample once, in order: no padding, no repeat
            sizes = [len(s) for s in shards]
            assert max(sizes) - min(sizes) <= 1
    assert shard_indices(10, 1, 3) == shard_indices(10, 1, 3)  # deterministic


def test_the_rank_comes_from_torchruns_environment():
    assert Rank.from_env({}) is None and Rank.from_env({"WORLD_SIZE": "1", "RANK": "0"}) is None
    rank = Rank.from_env({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"})
    assert (rank.rank, rank.world, rank.local_rank, rank.is_main) == (3, 4, 1, False)


def torchrun(args: list[str], cwd: Path, tag: str = "", nproc: int = 2) -> subprocess.Popen:
    env = {**os.environ, "CABINLENS_TEST_TAG": tag, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
                             "-m", "cabinlens", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def analyze_args(data: Path, project: Path) -> list[str]:
    return ["analyze", "--data", str(data), "--subset", "val", "--model", "c3d_small", "--project", str(project),
            "--device", "cpu", "--workers", "1"]


def _results(project: Path):
    with Store(project, readonly=True) as store:
        (run,) = [r for r in store.runs() if r.kind == "split"]
        results = store.results(run.id)
        cams = [store.cams(run.id, int(i))[1] for i in results.indices]
        return run, results, cams, store.cache_get(run.id, f"tsne:{run.total}:0")


def assert_same_as_one_process(project: Path, reference: Path) -> None:
    run, got, got_cams, tsne = _results(project)
    ref_run, want, want_cams, _ = _results(reference)
    assert run.key == ref_run.key and run.done == run.total == ref_run.total and run.finished is not None
    assert np.array_equal(got.indices, want.indices)  # every sample exactly once
    assert np.array_equal(got.logits.argmax(1), want.logits.argmax(1))  # identical predictions
    np.testing.assert_allclose(got.logits, want.logits, atol=1e-4)
    np.testing.assert_allclose(got.features.astype(np.float32), want.features.astype(np.float32), atol=2e-3)
    for a, b in zip(got_cams, want_cams, strict=True):
        np.testing.assert_allclose(a.astype(np.float32), b.astype(np.float32), atol=2e-3)
    m_got = evaluate(got.labels, got.logits, run.classes, run.train_counts)
    m_want = evaluate(want.labels, want.logits, ref_run.classes, ref_run.train_counts)
    assert m_got.top1 == m_want.top1 and m_got.top5 == m_want.top5
    assert tsne is not None  # the embeddings were computed once, after the merge
    assert not shard_folder(project).exists()  # merged and removed


def test_two_ranks_on_the_cpu_give_what_one_process_gives(synth_small, val_project, tmp_path):
    project = tmp_path / "two.cabinlens"
    job = torchrun(analyze_args(synth_small, project), tmp_path)
    out, err = job.communicate(timeout=600)
    assert job.returncode == 0, err[-3000:]
    assert "157 samples in" in out and "on 2 ranks" in out
    assert err.count("random weights") == 1  # one rank speaks
    assert_same_as_one_process(project, val_project)
    with Store(project) as store:  # merging again (or a re-run) adds nothing
        before = store.runs()[0].done
    assert merge_shards(project) == {}
    again = torchrun(analyze_args(synth_small, project), tmp_path)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    assert f"{before} samples, {before} from before" in out


def _rank_pid(tag: str, rank: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"CABINLENS_TEST_TAG={tag}".encode() in env and f"RANK={rank}".encode() in env \
                and b"TORCHELASTIC_RUN_ID" in b"".join(e[:20] for e in env):
            cmd = (entry / "cmdline").read_bytes()
            if b"torch.distributed.run" not in cmd:
                return int(entry.name)
    return None


def _stored_in_shard(project: Path, rank: int) -> int:
    shard = shard_folder(project) / f"rank{rank:04d}-of-0002.cabinlens"
    if not shard.exists():
        return 0
    try:
        with Store(shard, readonly=True) as store:
            return store.result_count([r.id for r in store.runs()]) if store.runs() else 0
    except Exception:  # noqa: BLE001 - being written; look again
        return 0


def test_a_killed_rank_resumes_with_only_the_missing_samples(synth_small, val_project, tmp_path):
    project = tmp_path / "killed.cabinlens"
    tag = uuid.uuid4().hex
    job = torchrun(analyze_args(synth_small, project), tmp_path, tag)
    deadline = time.monotonic() + 300
    while _stored_in_shard(project, 1) < 8 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = _rank_pid(tag, 1)
    assert pid is not None and job.poll() is None, "rank 1 finished before it could be killed"
    os.kill(pid, signal.SIGKILL)
    _, err = job.communicate(timeout=300)
    assert job.returncode != 0
    assert shard_folder(project).is_dir()  # the finished batches are kept
    kept = _stored_in_shard(project, 1) + _stored_in_shard(project, 0)
    assert 0 < kept < 157
    resumed = torchrun(analyze_args(synth_small, project), tmp_path)
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err[-3000:]
    found = re.search(r"157 samples, (\d+) from before", out)
    assert found and int(found.group(1)) == kept, out  # only the missing ones were computed
    assert f"merged {kept} results an interrupted job left" in err
    assert_same_as_one_process(project, val_project)


def test_merging_a_store_twice_stores_each_result_once(val_project, tmp_path):
    import shutil

    from cabinlens.engine.errors import InputError

    shard = tmp_path / "shard.cabinlens"
    with Store(val_project, readonly=True) as src:
        import sqlite3

        with sqlite3.connect(shard) as dst:
            src.db.backup(dst)
    target = tmp_path / "merged.cabinlens"
    with Store(target) as store:
        first = store.merge(shard)
        assert list(first.values()) == [157]
        assert store.merge(shard) == {}
        (run,) = store.runs()
        assert run.done == run.total == 157 and run.finished is not None
    bad = tmp_path / "bad.cabinlens"
    shutil.copy(__file__, bad)
    with Store(target) as store, pytest.raises(InputError, match="bad.cabinlens"):
        store.merge(bad)


def test_sweeping_every_session_with_two_models_on_two_ranks(synth_small, tmp_path):
    from cabinlens.engine.cli.main import main

    args = ["analyze", "--sweep-all", str(synth_small), "--window", "16", "--stride", "2500", "--model", "c3d_small",
            "--model", "p3d_small", "--device", "cpu", "--workers", "1"]
    one, two = tmp_path / "one.cabinlens", tmp_path / "two.cabinlens"
    assert main([*args, "--project", str(one)]) == 0
    job = torchrun([*args, "--project", str(two)], tmp_path)
    out, err = job.communicate(timeout=600)
    assert job.returncode == 0, err[-3000:]
    with Store(one, readonly=True) as a, Store(two, readonly=True) as b:
        runs_a, runs_b = {r.key: r for r in a.runs()}, {r.key: r for r in b.runs()}
        assert set(runs_a) == set(runs_b) and len(runs_a) == 2 * 15  # two models x every session of the view
        for key, ra in runs_a.items():
            rb = runs_b[key]
            assert ra.kind == "sweep" and rb.done == rb.total == ra.done == ra.total > 0
            x, y = a.results(ra.id), b.results(rb.id)
            assert np.array_equal(x.indices, y.indices)
            assert np.array_equal(x.logits.argmax(1), y.logits.argmax(1))
            np.testing.assert_allclose(x.logits, y.logits, atol=1e-4)


def test_a_hugging_face_folder_under_torchrun_gives_what_one_process_gives(synth_small, hf_project, tmp_path):
    project = tmp_path / "hf-two.cabinlens"
    folder = hf_project.parent / "videomae"
    args = ["analyze", "--data", str(synth_small), "--subset", "val", "--model", str(folder), "--project", str(project),
            "--device", "cpu", "--workers", "1"]
    job = torchrun(args, tmp_path)
    out, err = job.communicate(timeout=600)
    assert job.returncode == 0, err[-3000:]
    assert "157 samples in" in out and "on 2 ranks" in out
    with Store(project, readonly=True) as store:
        (run,) = store.runs()
        got = store.results(run.id)
        got_cam = store.cams(run.id, int(got.indices[0]))[1]
    with Store(hf_project, readonly=True) as store:
        ref = next(r for r in store.runs() if r.model == "videomae")
        want = store.results(ref.id)
        want_cam = store.cams(ref.id, int(want.indices[0]))[1]
    assert run.model == "videomae" and run.key == ref.key and run.done == run.total == 157
    assert np.array_equal(got.indices, want.indices)
    np.testing.assert_allclose(got.logits, want.logits, atol=1e-4)
    np.testing.assert_allclose(got_cam.astype(np.float32), want_cam.astype(np.float32), atol=2e-3)
    assert not shard_folder(project).exists()
