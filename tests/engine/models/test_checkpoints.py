"""Checkpoint loading: wrappers, prefixes, families, class names, our format, refusals, mismatches."""

from __future__ import annotations

import json
import os
import pickle

import pytest
import torch

from cabinlens.engine.cli.main import main
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.models import CheckpointError, build_model, default_spec, load_model, save_model
from cabinlens.engine.models.checkpoints import map_hassony2_i3d

CLASSES = tuple(f"act_{i}" for i in range(6))


def small(arch: str = "c3d_small", classes=CLASSES):
    spec = default_spec(arch, classes)
    torch.manual_seed(1)
    return build_model(spec), spec


def same_outputs(a, b, spec):
    x = torch.randn(1, 3, 16, 32, 32)  # small clips: the same weights give the same outputs at any size
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x))


@pytest.mark.parametrize("wrapper", [None, "state_dict", "model_state_dict", "student_model_state_dict", "model"])
@pytest.mark.parametrize("prefix", ["", "module."])
def test_wrappers_and_prefixes(tmp_path, wrapper, prefix):
    model, spec = small("p3d_small")
    state = {prefix + k: v for k, v in model.state_dict().items()}
    obj = state if wrapper is None else {wrapper: state, "epoch": 12, "classes": list(CLASSES)}
    torch.save(obj, tmp_path / "ckpt.pth")
    loaded = load_model(tmp_path / "ckpt.pth")
    assert loaded.spec.family == "p3d" and loaded.spec.options["layers"] == (1, 1, 1, 1)
    if wrapper is not None:  # the names come with the weights; only the input spec is a default
        assert loaded.spec.classes == CLASSES and len(loaded.warnings) == 1
        assert "records no input spec" in loaded.warnings[0]
    same_outputs(model, loaded.model, spec)


@pytest.mark.parametrize("arch", ["i3d_small", "c3d_small", "p3d_small"])  # every architecture: test_recognition.py
def test_family_and_classes_are_recognised(tmp_path, arch):
    model, spec = small(arch, DRIVEACT_MIDLEVEL_CLASSES)
    torch.save(model.state_dict(), tmp_path / "raw.pt")
    loaded = load_model(tmp_path / "raw.pt")
    assert loaded.spec.arch == arch and loaded.spec.input == spec.input
    assert loaded.spec.classes == DRIVEACT_MIDLEVEL_CLASSES
    assert any("assuming the 34 Drive&Act" in w for w in loaded.warnings)  # visible warning


def test_hassony2_names_map_to_ours(tmp_path):
    model, spec = small("i3d_small")
    inverse = {
        "Conv3d_1a_7x7.": "conv3d_1a_7x7.", "Conv3d_2b_1x1.": "conv3d_2b_1x1.", "Conv3d_2c_3x3.": "conv3d_2c_3x3.",
        ".b0.": ".branch_0.", ".b1a.": ".branch_1.0.", ".b1b.": ".branch_1.1.", ".b2a.": ".branch_2.0.",
        ".b2b.": ".branch_2.1.", ".b3b.": ".branch_3.1.", ".bn.": ".batch3d.", "logits.": "conv3d_0c_1x1.",
    }
    renamed = {}
    for key, value in model.state_dict().items():
        new = key
        for ours, theirs in inverse.items():
            new = new.replace(ours, theirs)
        if new.startswith("Mixed_"):
            new = "mixed_" + new[len("Mixed_"):]
        renamed[new] = value
    assert "mixed_3b.branch_1.0.conv3d.weight" in renamed and "conv3d_0c_1x1.conv3d.bias" in renamed
    assert map_hassony2_i3d(renamed).keys() == model.state_dict().keys()
    torch.save(renamed, tmp_path / "hassony2.pt")
    same_outputs(model, load_model(tmp_path / "hassony2.pt").model, spec)


def test_own_format_round_trip(tmp_path):
    model, spec = small("i3d_small")
    path = save_model(tmp_path / "m.cabinlens.pt", model, spec, {"epochs": 3, "val_balanced_top1": 0.8})
    assert not list(tmp_path.glob("*.part"))
    loaded = load_model(path)
    assert loaded.spec == spec and loaded.training["epochs"] == 3 and not loaded.warnings
    same_outputs(model, loaded.model, spec)
    torch.load(path, weights_only=True)  # plain data only


class _Evil:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_malicious_pickle_is_refused_and_nothing_runs(tmp_path):
    target = tmp_path / "pwned.txt"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "payload": _Evil(str(target))}, tmp_path / "evil.pt")
    assert not target.exists()
    with pytest.raises(CheckpointError, match="refused: loading it would run code") as err:
        load_model(tmp_path / "evil.pt")
    assert str(tmp_path / "evil.pt") in str(err.value)
    assert not target.exists()
    legacy = tmp_path / "legacy.pkl"
    legacy.write_bytes(pickle.dumps(_Evil(str(target))))
    with pytest.raises(CheckpointError):
        load_model(legacy)
    assert not target.exists()


def test_mismatches_are_explained(tmp_path):
    model, _ = small("c3d_small")
    state = model.state_dict()
    state["fc7.weight"] = torch.zeros(128, 256)
    del state["conv2.bias"]
    state["extra.weight"] = torch.zeros(3)
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError) as err:
        load_model(tmp_path / "bad.pt")
    message = str(err.value)
    assert "1 missing keys: conv2.bias" in message
    assert "1 unexpected keys: extra.weight" in message
    assert "fc7.weight: expected (256, 256), found (128, 256)" in message
    assert "looks like c3d_small with 6 classes" in message
    torch.save(model.state_dict(), tmp_path / "c3d.pt")
    with pytest.raises(CheckpointError, match=r"does not fit i3d: 344 missing keys.*looks like c3d"):
        load_model(tmp_path / "c3d.pt", arch="i3d")


def test_class_names_from_a_sidecar_and_count_checks(tmp_path):
    model, _ = small("c3d_small")
    torch.save(model.state_dict(), tmp_path / "m.pt")
    (tmp_path / "m.classes.txt").write_text("\n".join(CLASSES) + "\n")
    assert load_model(tmp_path / "m.pt").spec.classes == CLASSES
    (tmp_path / "m.classes.txt").write_text("a\nb\n")
    with pytest.raises(CheckpointError, match="names 2 classes but the model's head has 6"):
        load_model(tmp_path / "m.pt")
    (tmp_path / "m.classes.txt").unlink()
    loaded = load_model(tmp_path / "m.pt")
    assert loaded.spec.classes[0] == "class_0" and any("class_0 ... class_5" in w for w in loaded.warnings)


def test_class_name_messages_name_the_files_looked_for_and_found(tmp_path):
    model, _ = small("c3d_small")
    torch.save(model.state_dict(), tmp_path / "m.pt")
    (tmp_path / "m.json").write_text('{"epochs": 3}')  # a JSON beside it that holds no class list
    warnings = load_model(tmp_path / "m.pt").warnings
    assert any(f"(looked for m.classes.txt, m.json, classes.txt in {tmp_path}): using class_0 ... class_5" in w
               for w in warnings), warnings
    (tmp_path / "classes.txt").write_text("a\n")
    with pytest.raises(CheckpointError, match=r"m.pt: the class list beside it, classes.txt, names 1 class but"):
        load_model(tmp_path / "m.pt")
    (tmp_path / "m.json").write_text('{"classes": ["a", "b"]}')
    with pytest.raises(CheckpointError, match=r"the class list beside it, m.json, names 2 classes but"):
        load_model(tmp_path / "m.pt")


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "an empty file"), (b"not a checkpoint at all", "a text file, not a PyTorch checkpoint"),
     (None, "file not found")],
)
def test_unreadable_files(tmp_path, content, problem):
    path = tmp_path / "x.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=problem):
        load_model(path)


def test_truncated_and_unknown(tmp_path):
    model, _ = small("c3d_small")
    torch.save(model.state_dict(), tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="a truncated PyTorch checkpoint"):
        load_model(tmp_path / "cut.pt")
    torch.save({"encoder.weight": torch.zeros(2, 2)}, tmp_path / "unknown.pt")
    with pytest.raises(CheckpointError, match="unknown architecture.*--arch"):
        load_model(tmp_path / "unknown.pt")


def test_models_cli(tmp_path, capsys):
    assert main(["models", "list"]) == 0
    assert "p3d199" in capsys.readouterr().out
    model, spec = small("i3d_small")
    save_model(tmp_path / "m.pt", model, spec)
    assert main(["models", "inspect", str(tmp_path / "m.pt"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["architecture"] == "i3d_small" and report["classes"] == list(CLASSES)
    assert report["parameters"] == sum(p.numel() for p in model.parameters())
    assert report["spec"]["cam_layer"] == "Mixed_5c"
    c3d, _ = small("c3d_small")
    torch.save(c3d.state_dict(), tmp_path / "c.pt")
    assert main(["models", "inspect", str(tmp_path / "c.pt"), "--arch", "i3d"]) == 2
    out = capsys.readouterr().out
    assert "looks like  c3d_small with 6 classes" in out and "does not fit i3d" in out
    assert main(["models", "inspect", str(tmp_path / "none.pt")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "pwned.txt")


def test_c3d_with_batch_norm_is_recognised_from_its_keys(tmp_path):
    model, spec = small("c3d_small", DRIVEACT_MIDLEVEL_CLASSES)
    assert spec.options["norm"] and hasattr(model, "bn5b") and spec.cam_layer == "bn5b"
    torch.save(model.state_dict(), tmp_path / "raw.pt")
    loaded = load_model(tmp_path / "raw.pt")
    assert loaded.spec.options.get("norm") is True
    same_outputs(model, loaded.model, spec)
