"""The generated dataset on disk: layout, read-back, videos, evidence, determinism, interruption."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from driveact_checks import check_file, check_split_participants

import cabinlens.engine.data.synth.generate as generate
from cabinlens.engine.cli.main import main
from cabinlens.engine.data import discover
from cabinlens.engine.data.summary import summarize
from cabinlens.engine.data.synth.config import SCALES
from cabinlens.engine.data.synth.plan import plan_dataset
from cabinlens.engine.data.synth.render import RunRenderer, write_run
from cabinlens.engine.data.videos import resolve_videos
from cabinlens.engine.errors import InputError
from cabinlens.engine.video import VideoReader
from cabinlens.engine.video.reader import probe


def evidence_rows(path: Path) -> dict[int, list[dict]]:
    rows = defaultdict(list)
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["frame", "activity", "part", "role", "x0", "y0", "x1", "y1"]
        for r in reader:
            rows[int(r["frame"])].append(r)
    return rows


def test_layout_and_read_back(synth_small, capsys):
    folder = synth_small / "iccv_activities_3s" / "activities_3s" / "inner_mirror"
    for path in folder.glob("*.csv"):
        check_file(path, "ids_1", max_chunk=90)
    check_split_participants(folder)
    summary = summarize(discover(synth_small))
    by = {s.subset: s for s in summary.subsets}
    assert (summary.view, summary.level, summary.split) == ("inner_mirror", "midlevel", 0)
    assert [by[k].classes for k in ("train", "val", "test")] == [34, 34, 34]
    assert by["test"].participants == [5, 11, 13] and by["val"].participants == [14, 15]
    assert main(["data", "summary", str(synth_small)]) == 0
    assert "34" in capsys.readouterr().out
    manifest = json.loads((synth_small / "synth.json").read_text())
    assert manifest["complete"] and manifest["seed"] == 0 and manifest["scale"] == "small"
    size = sum(p.stat().st_size for p in synth_small.rglob("*") if p.is_file())
    assert size < 200 * 2**20, size
    assert not list(synth_small.rglob("*.part"))


def test_every_video_decodes_as_planned(synth_small):
    index = discover(synth_small)
    segments = index.load(index.find(view="inner_mirror", level="midlevel", split=0, subset="test"))
    videos = resolve_videos(segments, synth_small, "inner_mirror")
    plans = {p.file_id: p for p in plan_dataset(0, SCALES["small"])}
    assert len(videos) == 3
    for file_id, path in videos.items():
        info = probe(path, verify=True)
        assert (info.codec, info.width, info.height, round(info.fps)) == ("h264", 320, 256, 30)
        assert info.frame_count == plans[file_id].frames and info.problem is None
        assert max(s.frame_end for s in segments if s.file_id == file_id) <= info.frame_count
        assert path.with_name(path.name.replace(".mp4", ".evidence.csv")).exists()


def test_evidence_moves_with_what_is_drawn(synth_small):
    """Between two decoded frames, the pixels that change lie in the evidence boxes of the moving part."""
    video = next((synth_small / "inner_mirror" / "vp5").glob("*.mp4"))
    evidence = evidence_rows(video.with_name(video.name.replace(".mp4", ".evidence.csv")))
    pairs = []
    for f, rows in sorted(evidence.items()):
        for r in rows:
            if r["activity"] != "fetching_an_object" or r["part"] != "hand_r":
                continue
            later = [q for q in evidence.get(f + 4, []) if q["part"] == "hand_r" and q["activity"] == r["activity"]]
            if later:
                b1 = [int(r[k]) for k in ("x0", "y0", "x1", "y1")]
                b2 = [int(later[0][k]) for k in ("x0", "y0", "x1", "y1")]
                if abs(b1[0] - b2[0]) + abs(b1[1] - b2[1]) >= 12:
                    pairs.append((f, b1, b2))
    assert len(pairs) >= 10
    with VideoReader(video, pixel_format="gray") as reader:
        for f, b1, b2 in pairs[:: max(1, len(pairs) // 12)]:
            a, b = reader.frames([f, f + 4]).astype(np.int16)
            changed = np.abs(b - a) > 15
            inside = np.zeros_like(changed)
            for x0, y0, x1, y1 in (b1, b2):
                inside[y0:y1, x0:x1] = True
            # The hand really left one box and entered the other; elsewhere only its arm moves.
            assert changed[inside].mean() > max(0.15, 8 * changed[~inside].mean()), (f, b1, b2)
            assert changed[:40, :30].mean() < 0.02  # a still corner stays still (noise and light are small)


def test_same_seed_same_frames_other_seed_other_frames(synth_small, tmp_path):
    plan = min(plan_dataset(0, SCALES["small"]), key=lambda p: p.frames)
    video = synth_small / "inner_mirror" / f"vp{plan.participant}" / f"{plan.run}.ids_1.mp4"
    again_video, again_evidence = tmp_path / "again.mp4", tmp_path / "again.csv"
    write_run(plan, again_video, again_evidence)
    assert again_evidence.read_bytes() == video.with_name(video.name.replace(".mp4", ".evidence.csv")).read_bytes()
    with VideoReader(video) as original, VideoReader(again_video) as again:
        some = range(0, plan.frames, 97)
        np.testing.assert_array_equal(original.frames(some), again.frames(some))
    other = plan_dataset(1, SCALES["small"])[0]
    first = next(RunRenderer(plan).frames()).image
    assert np.abs(first.astype(int) - next(RunRenderer(other).frames()).image).mean() > 2


def tiny_plans(seed, scale):
    """Three short runs, so interruption can be tested in seconds."""
    plans = plan_dataset(seed, scale)[:3]
    return [p.__class__(p.participant, p.run, 120, p.annotations[:2], p.seed, p.participant_seed) for p in plans]


def test_an_interrupted_run_leaves_no_half_file_and_a_rerun_finishes(tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "plan_dataset", tiny_plans)
    calls = []

    def stop_after_one(done, total):
        calls.append(done)
        if done == 1:
            raise KeyboardInterrupt

    root = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        generate.synthesize(root, seed=4, workers=1, progress=stop_after_one)
    assert not list(root.rglob("*.part"))
    assert len(list(root.rglob("*.mp4"))) == 1 and not json.loads((root / "synth.json").read_text())["complete"]
    assert not generate.is_complete(root, 4, "small")
    kept = next(root.rglob("*.mp4"))
    stamp = kept.stat().st_mtime_ns
    result = generate.synthesize(root, seed=4, workers=1)
    assert result.rendered == 2 and kept.stat().st_mtime_ns == stamp
    assert generate.is_complete(root, 4, "small") and len(list(root.rglob("*.mp4"))) == 3
    with pytest.raises(InputError, match="already holds a synthetic dataset made with seed 4"):
        generate.synthesize(root, seed=5, workers=1)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.tex").write_text("x")
    with pytest.raises(InputError, match="is not empty"):
        generate.synthesize(tmp_path / "busy", workers=1)


def test_cli_synth(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(generate, "plan_dataset", tiny_plans)
    assert main(["data", "synth", str(tmp_path / "d"), "--seed", "2", "--workers", "2"]) == 0
    assert "3 runs" in capsys.readouterr().out
    assert main(["data", "synth", str(tmp_path / "d"), "--seed", "3"]) == 2
    assert "already holds a synthetic dataset" in capsys.readouterr().err
