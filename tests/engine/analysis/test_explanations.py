"""A run's explanation scores against a brute-force pass: torch's trilinear frame maps at the input
size, evidence tested at every input pixel of the original frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cabinlens.engine.analysis.explanations import GT_SLOT, score_run
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.explain.evidence import evidence_path, read_evidence
from cabinlens.engine.explain.frames import time_mapping, to_frames, upsample
from cabinlens.engine.video.geometry import input_region
from cabinlens.engine.video.reader import probe
from cabinlens.engine.video.sampling import sample_indices


def _brute_force(store: Store, info, idx: int) -> tuple[float, float] | None:
    s = store.samples(info.id)[idx]
    inp = info.spec["input"]
    h, w = inp["size"]
    video = probe(s.video)
    top, left, rh, rw = input_region((video.height, video.width), (h, w), inp["resize"])
    boxes = read_evidence(evidence_path(s.video))
    _, maps = store.cams(info.id, idx)
    sampled = sample_indices(s.frame_start, s.frame_end, inp["frames"], inp["sampling"])
    clip = upsample(torch.from_numpy(maps[GT_SLOT].astype(np.float32)), (len(sampled), h, w))
    ys = top + (np.arange(h) + 0.5) * rh / h
    xs = left + (np.arange(w) + 0.5) * rw / w
    hits, energies = [], []
    for frame in np.unique(sampled):
        evidence = [b for b in boxes.get(int(frame), []) if b.activity == s.label_name and b.role == "evidence"]
        inside = np.zeros((h, w), bool)
        for b in evidence:
            inside |= (xs[None] >= b.x0) & (xs[None] < b.x1) & (ys[:, None] >= b.y0) & (ys[:, None] < b.y1)
        if not inside.any():
            continue
        cam = to_frames(clip, time_mapping(sampled, np.array([frame])))[0].numpy()
        hits.append(cam.sum() > 0 and bool(inside.flat[int(np.argmax(cam))]))
        energies.append(cam[inside].sum() / cam.sum() if cam.sum() > 0 else 0.0)
    return (float(np.mean(hits)), float(np.mean(energies))) if hits else None


def test_scores_match_a_brute_force_pass_over_every_input_pixel(demo_data):
    from cabinlens.engine.demo import PROJECT

    with Store(demo_data / PROJECT, readonly=True) as store:
        info = next(r for r in store.runs() if r.model == "i3d_small" and r.name.endswith("test"))
        scored = score_run(store, info)
        assert scored.clips and scored.without_evidence == 0
        pointing, energy = [], []
        for clip in scored.clips[::4]:
            want = _brute_force(store, info, clip.index)
            assert want is not None
            pointing.append((clip.pointing, want[0]))
            energy.append((clip.energy, want[1]))
            assert clip.energy == pytest.approx(want[1], abs=0.03)  # a 64-cell grid against 112 input pixels
    mine, theirs = np.array(pointing).T
    assert mine.mean() == pytest.approx(theirs.mean(), abs=0.05)
    assert np.mean(np.array(energy)[:, 0]) == pytest.approx(np.mean(np.array(energy)[:, 1]), abs=0.01)
    summary = scored.summary
    assert summary["clips"] == len(scored.clips) and 0 < summary["area"] < 1
    assert summary["lift"] == pytest.approx(summary["energy"] / summary["area"])


def test_scores_are_kept_in_the_project_until_an_evidence_file_changes(demo_data, tmp_path, monkeypatch):
    import os
    import sqlite3

    import cabinlens.engine.analysis.explanations as explanations
    from cabinlens.engine.demo import PROJECT

    copy = tmp_path / "copy.cabinlens"
    with sqlite3.connect(demo_data / PROJECT) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with Store(copy) as store:
        info = next(r for r in store.runs() if r.model == "c3d_small" and r.name.endswith("val"))
        first = explanations.cached_scores(store, info)
        assert first == score_run(store, info) and first.clips

        def not_again(*_args):
            raise AssertionError("computed again although nothing changed")

        monkeypatch.setattr(explanations, "score_run", not_again)
        assert explanations.cached_scores(store, info) == first
        evidence = evidence_path(store.samples(info.id)[0].video)
        stat = evidence.stat()
        os.utime(evidence, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        try:
            with pytest.raises(AssertionError, match="computed again"):
                explanations.cached_scores(store, info)
        finally:
            os.utime(evidence, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_unusable_evidence_file_costs_its_own_clips_and_is_named(demo_data, monkeypatch):
    import cabinlens.engine.analysis.explanations as explanations
    from cabinlens.engine.demo import PROJECT
    from cabinlens.engine.errors import InputError

    real = explanations.read_evidence
    with Store(demo_data / PROJECT, readonly=True) as store:
        info = next(r for r in store.runs() if r.model == "p3d_small" and r.name.endswith("val"))
        samples = store.samples(info.id)
        broken = evidence_path(samples[0].video)

        def read(path):
            if path == broken:
                raise InputError(path, "frame and box must be integers", line=7)
            return real(path)

        monkeypatch.setattr(explanations, "read_evidence", read)
        scored = score_run(store, info)
        everything = len(store.results(info.id).indices)
    assert scored.problems == (f"{broken}:7: frame and box must be integers",)
    lost = sum(s.video == samples[0].video for s in samples)
    assert scored.without_evidence >= lost > 0 and len(scored.clips) + scored.without_evidence == everything
    assert scored.summary["problems"] == [scored.problems[0]] and scored.summary["pointing"] is not None
