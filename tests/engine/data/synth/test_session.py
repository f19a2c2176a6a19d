"""A synthetic session of real size: its length, frame size and the real annotation density."""

from __future__ import annotations

import csv

import pytest

from cabinlens.engine.cli.main import main
from cabinlens.engine.data.synth.session import REAL_ANNOTATIONS_PER_MINUTE, plan_session
from cabinlens.engine.video.reader import probe


@pytest.mark.parametrize("minutes", [10, 30, 60])
def test_a_long_session_has_the_real_annotation_density(minutes):
    plan = plan_session(minutes, seed=1)
    assert plan.frames == minutes * 60 * 30
    per_minute = len(plan.annotations) / minutes
    assert abs(per_minute - REAL_ANNOTATIONS_PER_MINUTE) <= 0.1
    spans = [(a.start, a.end) for a in plan.annotations]
    assert all(s < e <= n_s for (s, e), (n_s, _) in zip(spans, spans[1:]))  # in order, never overlapping
    assert spans[-1][1] <= plan.frames
    assert plan_session(minutes, seed=1) == plan  # deterministic


def test_synth_writes_one_session_of_the_given_length_and_size(tmp_path, capsys):
    out = tmp_path / "session"
    assert main(["data", "synth", str(out), "--session-minutes", "0.1", "--size", "160x128"]) == 0
    videos = list((out / "inner_mirror" / "vp1").glob("*.mp4"))
    assert len(videos) == 1
    info = probe(videos[0])
    assert info.frame_count == 180 and (info.width, info.height) == (160, 128)
    rows = list(csv.DictReader(open(out / "iccv_activities_3s" / "activities_3s" / "inner_mirror" / "midlevel.chunks_90.csv")))
    assert rows and all(0 <= int(r["frame_start"]) < int(r["frame_end"]) <= 180 for r in rows)
    assert "180 frames (0.1 min) at 160x128" in capsys.readouterr().out


def test_size_without_a_session_is_refused(tmp_path, capsys):
    assert main(["data", "synth", str(tmp_path / "x"), "--size", "640x512"]) == 2
    assert "--session-minutes" in capsys.readouterr().err
