"""Explaining one segment of a real video file, and the ``cabinlens cam`` command."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from media import write_h264

from cabinlens.engine.cli.main import main
from cabinlens.engine.errors import CabinLensError, InputError
from cabinlens.engine.explain import GradCam
from cabinlens.engine.explain.frames import upsample
from cabinlens.engine.explain.segment import explain_segment, resolve_targets
from cabinlens.engine.models import build_model, default_spec
from cabinlens.engine.models.checkpoints import save_model
from cabinlens.engine.models.spec import input_region, to_input
from cabinlens.engine.video import VideoReader

CLASSES = ("closing_door", "eating", "opening_door", "reading_magazine", "drinking")


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cam") / "vp1"
    folder.mkdir()
    return write_h264(folder / "run.ids_1.mp4", n=120, width=320, height=256, gop=30)


@pytest.fixture(scope="module")
def model_and_spec():
    torch.manual_seed(0)
    spec = default_spec("c3d_small", CLASSES)
    return build_model(spec), spec


def test_segment_cam_equals_grad_cam_on_the_sampled_input(video, model_and_spec):
    model, spec = model_and_spec
    with VideoReader(video) as reader:
        cam = explain_segment(model, spec, reader, 10, 100, top=2, normalisation="raw", keep_input=True)
        direct_input = to_input(reader.frames(cam.sampled), spec.input)
    torch.testing.assert_close(cam.input, direct_input)
    direct = GradCam(model, spec.cam_layer)(direct_input, top=2)
    torch.testing.assert_close(cam.layer_maps, direct.maps[0])
    assert cam.targets.tolist() == direct.targets[0].tolist()
    np.testing.assert_allclose(cam.logits, direct.logits[0].numpy(), rtol=1e-5)
    assert cam.frames.tolist() == list(range(10, 100)) and cam.frame_maps.shape == (90, 2, 112, 112)
    # A sampled frame's map is the upsampled layer map at its position in the clip.
    clip_maps = upsample(direct.maps[0], (16, 112, 112))
    for position in (0, 7, 15):
        row = int(cam.sampled[position]) - 10
        torch.testing.assert_close(cam.frame_maps[row, 1], clip_maps[1, position])
    assert cam.region == input_region((256, 320), spec.input) == (0, 32, 256, 256)


def test_normalisation_choice_and_class_switching_need_no_new_pass(video, model_and_spec):
    model, spec = model_and_spec
    with VideoReader(video) as reader:
        raw = explain_segment(model, spec, reader, 0, 60, top=5, normalisation="raw")
        per_clip = explain_segment(model, spec, reader, 0, 60, top=5, normalisation="clip")
        data = explain_segment(model, spec, reader, 0, 60, top=5, normalisation="dataset", scale=0.5)
    assert per_clip.normalisation == "clip" and raw.scale.tolist() == [1.0] * 5
    peaks = per_clip.frame_maps.flatten(2).amax(dim=(0, 2))
    assert all(abs(float(p) - 1.0) < 1e-5 or float(p) == 0.0 for p in peaks)
    torch.testing.assert_close(data.frame_maps, raw.frame_maps / 0.5)
    second = int(raw.targets[1])
    np.testing.assert_array_equal(raw.frame_map(30, second), raw.frame_maps[30, 1].numpy())


def test_short_segments_and_segments_outside_the_video(video, model_and_spec):
    model, spec = model_and_spec
    with VideoReader(video) as reader:
        short = explain_segment(model, spec, reader, 50, 54)  # 4 frames for a 16-frame model
        assert short.frame_maps.shape[0] == 4 and sorted(set(short.sampled.tolist())) == [50, 51, 52, 53]
        with pytest.raises(InputError, match=r"run.ids_1.mp4: has frames 0..119; the segment \[100, 130\)"):
            explain_segment(model, spec, reader, 100, 130)


def test_resolve_targets(model_and_spec):
    _, spec = model_and_spec
    assert resolve_targets(spec, "pred", None) is None
    assert resolve_targets(spec, "gt", "eating") == [1]
    assert resolve_targets(spec, "gt", "3") == [3]
    assert resolve_targets(spec, "4,opening_door", None) == [4, 2]
    with pytest.raises(CabinLensError, match="needs the segment's ground-truth label"):
        resolve_targets(spec, "gt", None)
    with pytest.raises(CabinLensError, match="unknown class 'dancing'"):
        resolve_targets(spec, "dancing", None)
    with pytest.raises(CabinLensError, match="outside 0..4"):
        resolve_targets(spec, "9", None)
    with pytest.raises(CabinLensError, match="'pred' stands alone in --classes"):
        resolve_targets(spec, "pred,gt", "eating")


def test_cam_command_writes_maps_logits_names_indices_input_and_overlays(video, model_and_spec, tmp_path, capsys):
    model, spec = model_and_spec
    checkpoint = save_model(tmp_path / "c3d.pt", model, spec)
    out = tmp_path / "out" / "cam.npz"
    argv = ["cam", str(checkpoint), str(video), "--start", "20", "--end", "50", "--classes", "gt", "--label", "eating",
            "--mode", "time", "--out", str(out), "--save-input", "--png", str(tmp_path / "png")]
    assert main(argv) == 0
    assert "30 frames, 1 class(es): eating" in capsys.readouterr().out
    data = np.load(out, allow_pickle=False)
    assert data["target_names"].tolist() == ["eating"] and data["class_names"].tolist() == list(CLASSES)
    assert data["frames"].tolist() == list(range(20, 50)) and data["frame_maps"].shape == (30, 1, 112, 112)
    assert str(data["mode"]) == "time" and str(data["normalisation"]) == "clip" and str(data["layer"]) == "bn5b"
    assert len(str(data["checkpoint_sha256"])) == 64 and data["input"].shape == (1, 3, 16, 112, 112)
    with VideoReader(video) as reader:
        again = explain_segment(model, spec, reader, 20, 50, targets=[1], mode="time", keep_input=True)
    np.testing.assert_allclose(data["input"], again.input.numpy(), rtol=1e-6)
    np.testing.assert_allclose(data["logits"], again.logits, rtol=1e-5)
    np.testing.assert_allclose(data["layer_maps"], again.layer_maps.numpy(), rtol=1e-5, atol=1e-8)
    pngs = sorted((tmp_path / "png").glob("*.png"))
    assert [p.name for p in pngs[:2]] == ["frame_000020_eating.png", "frame_000021_eating.png"] and len(pngs) == 30


def test_cam_command_errors_leave_no_file(video, tmp_path, capsys):
    out = tmp_path / "cam.npz"
    assert main(["cam", "no_such_model", str(video), "--start", "0", "--end", "10", "--out", str(out)]) == 2
    assert "no_such_model: is neither a file nor an architecture" in capsys.readouterr().err
    assert main(["cam", "c3d_small", str(video), "--start", "0", "--end", "500", "--out", str(out)]) == 2
    assert "has frames 0..119" in capsys.readouterr().err
    not_a_checkpoint = tmp_path / "weights.pt"
    not_a_checkpoint.write_text("not a checkpoint")
    assert main(["cam", str(not_a_checkpoint), str(video), "--start", "0", "--end", "10", "--out", str(out)]) == 2
    assert "weights.pt" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".cam.npz*"))
