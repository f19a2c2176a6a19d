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
