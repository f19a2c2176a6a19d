"""`cabinlens analyze` and `cabinlens cam` on a Hugging Face VideoMAE folder: the same path as any checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.main import main
from hf_models import tiny_videomae
from media import write_h264

pytest.importorskip("transformers")

CLASSES = ("eating", "drinking", "reading_magazine", "talking_on_phone")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hf-analyze")
    (root / "clips").mkdir()
    write_h264(root / "clips" / "drive.mp4", n=120, width=64, height=48, gop=60)
    rows = ["video,frame_start,frame_end,label,subset"]
    rows += [f"clips/drive.mp4,{i * 20},{i * 20 + 20},{CLASSES[i % 4]},test" for i in range(5)]
    (root / "segments.csv").write_text("\n".join(rows) + "\n")
    tiny_videomae(root / "videomae", classes=CLASSES)
    return root


def test_analyze_stores_logits_features_and_token_maps(data, tmp_path, capsys):
    project = tmp_path / "p.cabinlens"
    code = main(["analyze", "--data", str(data / "segments.csv"), "--model", str(data / "videomae"),
                 "--project", str(project), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 0, err
    with Store(project, readonly=True) as store:
        (info,) = store.runs()
        assert info.arch == "videomae" and info.spec["cam_layer"] == "hf.videomae.encoder.layer.1"
        results = store.results(info.id)
        assert results.logits.shape == (5, 4) and results.features.shape == (5, 32)
        targets, maps = store.cams(info.id, 0)
        assert maps.shape[1:] == (2, 4, 4) and np.isfinite(maps).all()


def test_cam_writes_the_maps_of_a_segment(data, tmp_path, capsys):
    out = tmp_path / "cam.npz"
    code = main(["cam", str(data / "videomae"), str(data / "clips" / "drive.mp4"), "--start", "0",
                 "--end", "20", "--out", str(out), "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "layer hf.videomae.encoder.layer.1 (2, 4, 4)" in captured.out
    assert out.is_file()
