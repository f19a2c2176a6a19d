"""The window on a project whose runs came from Hugging Face model folders, and a dropped model folder."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")


def test_a_token_models_project_plays_with_its_grad_cam(qtbot, window, hf_project):
    window.player.sweep_sessions = False
    window.open_project(str(hf_project))
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    qtbot.waitUntil(lambda: window.video.canvas.pixmap is not None, timeout=30000)
    tracks = window.player.tracks.tracks
    assert {t.model for t in tracks} == {"videomae", "timesformer"}
    frame = int(tracks[0].starts[2] + 2)
    window.state.set_frame(frame)
    qtbot.waitUntil(lambda: f"frame {frame}" in window.video.labels.text(), timeout=10000)
    qtbot.waitUntil(lambda: "Grad-CAM of" in window.video.labels.text(), timeout=10000)


def test_a_dropped_model_folder_is_a_model_not_a_dataset(window, hf_project, synth_small, monkeypatch):
    from cabinlens.app.model_paths import is_model_path

    folder = hf_project.parent / "videomae"
    assert is_model_path(folder) and is_model_path(folder / "config.json") and is_model_path(folder / "model.safetensors")
    assert not is_model_path(synth_small) and not is_model_path(hf_project)
    opened = []
    monkeypatch.setattr(window, "open_dataset", lambda root, models, *a: opened.append((root, models)))
    window.open_paths([str(synth_small), str(folder)])
    assert opened == [(str(synth_small), [str(folder)])]


def test_a_token_models_near_miss_opens_side_by_side_and_exports(qtbot, window, hf_project, tmp_path):
    from PySide6.QtCore import Qt

    window.player.sweep_sessions = False
    window.open_project(str(hf_project))
    qtbot.waitUntil(lambda: window.analysis.data is not None and bool(window.analysis.shown_pairs), timeout=60000)
    near = window.analysis.near
    next(d for d in window.analysis_docks if d.objectName() == "Near misses").raise_()
    qtbot.wait(100)
    rect = near.table.visualRect(near.table.model().index(0, 0))
    qtbot.mouseClick(near.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len(window.compare.panes) == 2 and min(p.shown for p in window.compare.panes) >= 0,
                    timeout=30000)
    assert {p.spec.model for p in window.compare.panes} == {window.analysis.data.model}
    qtbot.waitUntil(lambda: all("GT <b>" in p.labels.text() and p.canvas.pixmap is not None
                                for p in window.compare_view.panes), timeout=30000)
    out = tmp_path / "pair.mp4"
    window.export_layout(window.compare.specs(), 0.5, path=str(out))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=60000)
    assert out.exists() and window.last_export_status == "exported pair.mp4; Grad-CAM per clip"
