"""Hugging Face video classifiers from a save_pretrained folder: loading, the input spec, inspect, refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from cabinlens.engine.cli.main import main
from cabinlens.engine.models import CheckpointError, load_model
from hf_models import tiny_timesformer, tiny_videomae, write_preprocessor

pytest.importorskip("transformers")

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def videomae(tmp_path_factory) -> Path:
    return tiny_videomae(tmp_path_factory.mktemp("hf") / "videomae")


@pytest.fixture(scope="module")
def timesformer_bin(tmp_path_factory) -> Path:
    return tiny_timesformer(tmp_path_factory.mktemp("hf") / "timesformer", safe=False, classes=tuple("pqrst"))


def _hf_logits(folder: Path, cls_name: str, x: torch.Tensor) -> torch.Tensor:
    import transformers

    hf = getattr(transformers, cls_name).from_pretrained(folder).eval()
    with torch.no_grad():
        return hf(pixel_values=x.transpose(1, 2)).logits


def test_a_videomae_folder_loads_with_its_spec_classes_and_outputs(videomae):
    loaded = load_model(videomae)
    spec = loaded.spec
    assert (spec.arch, spec.family, spec.cam_layout) == ("videomae", "huggingface", "tokens")
    assert spec.classes == tuple("abcde")
    assert (spec.input.frames, spec.input.size) == (4, (32, 32))
    assert spec.options["token_grid"] == [2, 4, 4]
    assert spec.cam_layer == "hf.videomae.encoder.layer.1" and spec.feature_layer == "hf.classifier"
    assert loaded.path == videomae and len(loaded.sha256) == 64
    assert any("assumed" in w and "preprocessor_config.json" in w for w in loaded.warnings)
    x = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad():
        ours = loaded.model(x)
    torch.testing.assert_close(ours, _hf_logits(videomae, "VideoMAEForVideoClassification", x))
    for inside in ("config.json", "model.safetensors"):  # a file of the folder names the folder
        assert load_model(videomae / inside).sha256 == loaded.sha256


def test_a_pytorch_model_bin_folder_loads(timesformer_bin):
    assert (timesformer_bin / "pytorch_model.bin").is_file() and not (timesformer_bin / "model.safetensors").exists()
    loaded = load_model(timesformer_bin / "pytorch_model.bin")
    assert loaded.spec.arch == "timesformer" and loaded.spec.cam_layout == "tokens-hwt"
    assert loaded.spec.options["token_grid"] == [4, 4, 4] and loaded.spec.classes == tuple("pqrst")
    assert loaded.spec.cam_layer == "hf.timesformer.encoder.layer.0"  # the last layer's patch tokens get no gradient
    x = torch.randn(1, 3, 4, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x), _hf_logits(timesformer_bin, "TimesformerForVideoClassification", x))


def test_the_preprocessor_config_gives_mean_std_and_range(tmp_path):
    folder = tiny_videomae(tmp_path / "m", classes=None, num_labels=3)
    write_preprocessor(folder, image_mean=[0.5, 0.4, 0.3], image_std=[0.2, 0.25, 0.3])
    loaded = load_model(folder)
    i = loaded.spec.input
    assert i.mean == (0.5, 0.4, 0.3) and i.std == (0.2, 0.25, 0.3) and i.value_range == pytest.approx((0.0, 1.0))
    assert i.resize == "short_side_center_crop" and loaded.input_source.endswith("preprocessor_config.json")
    assert loaded.spec.classes == ("class_0", "class_1", "class_2")  # generic LABEL_n names: warned
    assert any("LABEL_n" in w for w in loaded.warnings)
    assert not any("mean/std" in w for w in loaded.warnings)


def test_another_clip_length_is_refused(videomae):
    with pytest.raises(CheckpointError, match="exactly 4x32x32"):
        load_model(videomae, frames=8)
    assert load_model(videomae, frames=4, size=32).spec.input.frames == 4


def test_inspect_says_what_the_folder_holds(videomae, capsys):
    assert main(["models", "inspect", str(videomae)]) == 0
    out = capsys.readouterr().out
    assert "videomae (huggingface)" in out and "tokens 2x4x4" in out
    assert "Grad-CAM hf.videomae.encoder.layer.1" in out and "5: a, b, c, d, e" in out
    assert main(["models", "inspect", str(videomae), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "huggingface" and report["token_grid"] == [2, 4, 4] and report["num_classes"] == 5


def test_an_unsupported_model_type_is_one_line_naming_the_supported_types(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 16)
    assert main(["models", "inspect", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "'bert'" in lines[0] and "timesformer, videomae" in lines[0]


def test_missing_weights_and_a_pretraining_model_are_refused(tmp_path, videomae):
    config = json.loads((videomae / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="no weights"):
        load_model(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({**config, "architectures": ["VideoMAEForPreTraining"]}))
    with pytest.raises(CheckpointError, match="classification head"):
        load_model(tmp_path)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path, videomae):
    from safetensors.torch import load_file, save_file

    state = {k: v for k, v in load_file(videomae / "model.safetensors").items() if not k.startswith("classifier.")}
    save_file(state, tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text((videomae / "config.json").read_text())
    with pytest.raises(CheckpointError, match="missing tensors"):
        load_model(tmp_path)


def test_the_cli_does_not_import_transformers_until_a_folder_is_loaded():
    code = ("import sys; import cabinlens.engine.cli.main, cabinlens.engine.models, cabinlens.engine.explain; "
            "print('transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "False"


def test_a_folder_or_any_file_of_it_is_named_after_the_folder(videomae, tmp_path):
    from cabinlens.engine.models.checkpoints import model_name

    from cabinlens.engine.analysis.service import resolve_model

    for given in (videomae, videomae / "config.json", videomae / "model.safetensors"):
        assert model_name(given) == "videomae"
    assert model_name(tmp_path / "i3d_finetuned.pt") == "i3d_finetuned"
    assert resolve_model(videomae / "config.json").name == "videomae"  # the run is named after the folder


@pytest.mark.parametrize("problem", ["no weights", "config not JSON", "model given as the video"])
def test_each_mistake_with_a_folder_is_one_line_naming_the_file(videomae, tmp_path, capsys, problem):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text((videomae / "config.json").read_text())
    video, named = tmp_path / "v.mp4", folder
    if problem == "config not JSON":
        (folder / "model.safetensors").write_bytes((videomae / "model.safetensors").read_bytes())
        (folder / "config.json").write_text('{"model_type": "videomae",')  # cut short
        named = folder / "config.json"
    elif problem == "model given as the video":
        folder, video, named = videomae, videomae, videomae
    code = main(["cam", str(folder), str(video), "--start", "0", "--end", "8", "--out", str(tmp_path / "c.npz"),
                 "--device", "cpu"])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("cabinlens: error:")]
    assert code == 2 and len(errors) == 1 and str(named) in errors[0], errors
    assert {"no weights": "no weights", "config not JSON": "cannot be read as JSON",
            "model given as the video": "is a model folder"}[problem] in errors[0]
