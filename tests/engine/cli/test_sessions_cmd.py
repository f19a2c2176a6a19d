"""``cabinlens sessions``: what each run analysed on a session, never a sum over runs of one model."""

from __future__ import annotations

import json

from cabinlens.engine.cli.main import main


def test_sessions_count_the_samples_of_each_run_apart(own_project, capsys):
    assert main(["sessions", str(own_project)]) == 0
    out = capsys.readouterr().out
    assert "run 1 c3d_small (random): segments.csv all rows (split): 3 samples" in out
    assert "run 2 c3d_small (random): segments.csv test (split): 1 sample," in out  # not 4, and not "1 samples"
    assert out.rstrip().endswith("2 sessions")
    assert main(["sessions", str(own_project), "--json"]) == 0
    rows = {r["file_id"]: r for r in json.loads(capsys.readouterr().out)}
    a = rows["clips/drive_a"]
    assert "samples" not in a
    assert [(r["run"], r["kind"], r["samples"]) for r in a["runs"]] == [(1, "split", 3), (2, "split", 1)]
    assert [r["samples"] for r in rows["clips/drive_b"]["runs"]] == [4, 2]
    assert a["runs"][1]["name"] == "c3d_small (random): segments.csv test"
