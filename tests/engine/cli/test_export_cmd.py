"""``cabinlens export-clip`` and ``cabinlens near-misses`` on the demo project."""

from __future__ import annotations

import json
import shlex

import cv2
import numpy as np
import pytest

from cabinlens.engine.cli.main import main


@pytest.fixture(scope="module")
def project(demo_data):
    from cabinlens.engine.demo import PROJECT

    return str(demo_data / PROJECT)


def test_near_misses_lists_pairs_whose_commands_export(project, tmp_path, capsys):
    assert main(["near-misses", project, "--top", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["run"].startswith("i3d_small") and report["run"].endswith("test")
    pairs = report["pairs"]
    assert pairs, "the demo's I3D makes designed confusions, so near misses exist"
    for p in pairs:
        assert p["class"] != p["predicted"]
        assert p["gap_frames"] is None or p["gap_frames"] >= 0
    out = tmp_path / "pair.mp4"
    argv = shlex.split(pairs[0]["command"])[1:]
    argv[argv.index("--out") + 1] = str(out)
    assert main(argv) == 0
    cap = cv2.VideoCapture(str(out))
    c, w = pairs[0]["correct"], pairs[0]["wrong"]
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == max(c["end"] - c["start"], w["end"] - w["start"])
    cap.release()
    assert "wrote" in capsys.readouterr().out
    assert main(["near-misses", project, "--run", "999"]) == 2
    assert "has no run '999'" in capsys.readouterr().err


def test_export_clip_png_compare_and_errors(project, tmp_path, capsys):
    assert main(["near-misses", project, "--top", "1", "--json"]) == 0
    pair = json.loads(capsys.readouterr().out)["pairs"][0]
    c = pair["correct"]
    base = ["export-clip", project, "--session", c["session"], "--start", str(c["start"]), "--end", str(c["end"])]
    png = tmp_path / "frame.png"
    assert main([*base, "--compare", "c3d_small", "--compare", "target=gt", "--out", str(png), "--frame", "3",
                 "--scale", "0.5"]) == 0
    image = cv2.imread(str(png))
    assert image is not None and image.shape[1] > 2 * image.shape[0]  # three panes side by side
    assert "(pane 1 i3d_small, pane 2 c3d_small, pane 3 i3d_small;" in capsys.readouterr().out  # whose map is whose
    by_normalisation = {}
    for how in ("clip", "dataset", "raw"):
        out = tmp_path / f"{how}.png"
        assert main([*base, "--normalise", how, "--opacity", "1", "--out", str(out), "--frame", "3"]) == 0
        assert f"normalised {how}" in capsys.readouterr().out
        by_normalisation[how] = cv2.imread(str(out)).astype(int)
        out.unlink()
    assert np.abs(by_normalisation["clip"] - by_normalisation["dataset"]).max() > 40
    assert np.abs(by_normalisation["raw"] - by_normalisation["dataset"]).max() > 40
    with pytest.raises(SystemExit) as stop:
        main([*base, "--normalise", "peak", "--out", str(png)])
    assert stop.value.code == 2 and "invalid choice: 'peak'" in capsys.readouterr().err
    assert main([*base, "--compare", "colour=red", "--out", str(tmp_path / "x.mp4")]) == 2
    assert "unknown key 'colour'" in capsys.readouterr().err
    assert main([*base, "--model", "nope", "--out", str(tmp_path / "x.mp4")]) == 2
    assert "no run of model 'nope'" in capsys.readouterr().err
    assert main([*base, "--out", str(png), "--frame", "100000"]) == 2
    assert main([*base, "--out", str(png), "--scale", "10"]) == 2
    assert "--scale: 10.0 is outside" in capsys.readouterr().err
    assert main(["export-clip", project, "--session", c["session"], "--start", "50", "--end", "40",
                 "--out", str(tmp_path / "x.mp4")]) == 2
    assert "empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frame.png"]
