"""Every registered architecture is recognised from its weights alone, bare or wrapped; the input spec
says where it came from; mismatches put the model's shapes under "expected"; anything that is not a
checkpoint is one line naming the file and what it is, from the library and from the CLI."""

from __future__ import annotations

import itertools
import json
import random
from types import SimpleNamespace

import pytest
import torch

from cabinlens.engine.cli.main import main
from cabinlens.engine.models import ARCHITECTURES, CheckpointError, build_model, default_spec, load_model, save_model
from cabinlens.engine.models.i3d import InceptionI3d
from cabinlens.engine.models.p3d import P3D
from cabinlens.engine.models.reading import open_checkpoint
from cabinlens.engine.models.recognise import model_signature, normalise_keys, recognise
from cabinlens.engine.models.registry import Architecture

CLASSES = tuple(f"act_{i}" for i in range(5))
SMALL = ("i3d_small", "c3d_small", "p3d_small")  # the only ones run forward here (the others: loading is enough)


def random_model(arch: str) -> torch.nn.Module:
    """``build_model(default_spec(arch))`` with random weights. The big ones are built on the meta device and
    filled with random numbers: their own initialisation alone takes seconds and tells recognition nothing."""
    spec = default_spec(arch, CLASSES)
    torch.manual_seed(0)
    if arch in SMALL:
        return build_model(spec)
    with torch.device("meta"):
        model = build_model(spec)
    model.to_empty(device="cpu")
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.uniform_(-0.1, 0.1) if tensor.is_floating_point() else tensor.zero_()
    return model


def shapes_only(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same keys, shapes and dtypes in a few bytes (one stored element per tensor): for the big models' wrapped copies."""
    return {k: torch.zeros((), dtype=v.dtype).expand(v.shape) for k, v in state.items()}


@pytest.fixture(scope="module", params=list(ARCHITECTURES))
def built(request, tmp_path_factory):
    """One registered architecture, built once for this module, and its bare state dict on disk."""
    arch = request.param
    model = random_model(arch)
    folder = tmp_path_factory.mktemp(arch)
    state = model.state_dict()
    torch.save(state, folder / "bare.pt")
    return SimpleNamespace(arch=arch, model=model, state=state, folder=folder, spec=default_spec(arch))


def test_a_bare_state_dict_is_recognised_with_the_default_input_spec(built):
    loaded = load_model(built.folder / "bare.pt")
    assert loaded.spec.arch == built.arch and loaded.spec.family == built.spec.family
    assert loaded.spec.input == built.spec.input and loaded.spec.options == built.spec.options
    assert loaded.input_source == f"default of {built.arch}, inferred from the weights"
    assert loaded.recognition.registered and not loaded.recognition.alternatives and not loaded.recognition.caveats
    assert len(loaded.spec.classes) == len(CLASSES)
    assert any("records no input spec" in w and built.arch in w for w in loaded.warnings)
    got = loaded.model.state_dict()
    assert all(torch.equal(got[k], v) for k, v in built.state.items())
    if built.arch in SMALL:
        x = torch.randn(1, 3, 16, 32, 32)  # any size: the same weights give the same outputs
        with torch.no_grad():
            torch.testing.assert_close(built.model(x), loaded.model(x))


@pytest.mark.parametrize(("wrapper", "prefix"), [("state_dict", ""), ("model", ""), ("model_state_dict", ""),
                                               (None, "module."), ("state_dict", "module.")])
def test_wrapped_and_prefixed_state_dicts_are_recognised(built, wrapper, prefix):
    state = built.state if built.arch in SMALL else shapes_only(built.state)
    state = {prefix + k: v for k, v in state.items()}
    obj = {wrapper: state, "epoch": 7, "classes": list(CLASSES)} if wrapper else state
    path = built.folder / f"{wrapper}-{prefix}.pt"
    torch.save(obj, path)
    ckpt = open_checkpoint(path)
    assert ckpt.wrapper == wrapper and ckpt.prefix == prefix
    if built.arch in SMALL:
        loaded = load_model(path)
        assert loaded.spec.arch == built.arch and loaded.spec.input == built.spec.input
        assert (loaded.spec.classes == CLASSES) if wrapper else len(loaded.spec.classes) == len(CLASSES)
    else:  # what load_model builds, without materialising the stand-in tensors (the bare file loads in full)
        found = recognise(normalise_keys(ckpt.state))
        assert found.arch == built.arch and found.registered and found.num_classes == len(CLASSES)
        assert default_spec(found.arch).with_(options=found.options) == built.spec


def test_no_two_registered_architectures_have_identical_parameter_shapes():
    signatures = {name: model_signature(name, 5) for name in ARCHITECTURES}
    assert all(signatures.values())
    for a, b in itertools.combinations(signatures, 2):
        assert signatures[a] != signatures[b], (a, b)


def test_twins_are_named_the_first_assumed_and_arch_overrides(tmp_path, monkeypatch):
    small = ARCHITECTURES["i3d_small"]
    twin = Architecture("i3d_twin", "i3d", "i3d_small at 8 frames", small.build,
                        small.spec.with_(arch="i3d_twin", input=small.spec.input.with_(frames=8)))
    monkeypatch.setitem(ARCHITECTURES, "i3d_twin", twin)
    model = random_model("i3d_small")
    found = recognise(model.state_dict())
    assert found.arch == "i3d_small" and found.alternatives == ("i3d_twin",)
    assert "identical parameter shapes" in found.caveats[0] and "--arch i3d_twin overrides" in found.caveats[0]
    torch.save(model.state_dict(), tmp_path / "w.pt")
    loaded = load_model(tmp_path / "w.pt")
    assert loaded.spec.arch == "i3d_small" and any("--arch i3d_twin overrides" in w for w in loaded.warnings)
    loaded = load_model(tmp_path / "w.pt", arch="i3d_twin")
    assert loaded.spec.arch == "i3d_twin" and loaded.spec.input.frames == 8
    assert loaded.input_source == "default of i3d_twin, from --arch"


def test_an_unregistered_variant_is_built_as_the_closest_and_said_so(tmp_path):
    torch.save(InceptionI3d(5, width=0.5).state_dict(), tmp_path / "half.pt")
    loaded = load_model(tmp_path / "half.pt")
    assert loaded.spec.arch == "i3d" and loaded.spec.options == {"width": 0.5}
    assert not loaded.recognition.registered and loaded.recognition.fits
    assert any("a variant of i3d, built with width=0.5" in w for w in loaded.warnings)
    torch.save(P3D(5, layers=(2, 2, 2, 2), width=0.25).state_dict(), tmp_path / "p3d.pt")
    found = load_model(tmp_path / "p3d.pt")
    assert found.spec.arch == "p3d_small" and found.spec.options["layers"] == (2, 2, 2, 2)
    assert any("A, B and C blocks have identical parameters" in n for n in found.notes)


def test_the_input_spec_says_where_it_came_from(tmp_path):
    model = random_model("i3d_small")
    torch.save(model.state_dict(), tmp_path / "bare.pt")
    both = load_model(tmp_path / "bare.pt", frames=32, size=(160, 128))
    assert (both.spec.input.frames, both.spec.input.size) == (32, (160, 128))
    assert both.input_source == "from --frames/--size" and not any("input spec" in w for w in both.warnings)
    one = load_model(tmp_path / "bare.pt", frames=8)
    assert (one.spec.input.frames, one.spec.input.size) == (8, (112, 112))
    assert one.input_source == "frames from --frames, otherwise default of i3d_small, inferred from the weights"
    via_arch = load_model(tmp_path / "bare.pt", arch="i3d")  # the name given, the width the weights have
    assert via_arch.spec.arch == "i3d" and via_arch.spec.options == {"width": 0.25}
    assert (via_arch.spec.input.frames, via_arch.spec.input.size) == (32, (224, 224))
    assert via_arch.input_source == "default of i3d, from --arch"
    assert any("--arch i3d: the weights are i3d_small" in w for w in via_arch.warnings)
    spec = default_spec("i3d_small", CLASSES)
    spec = spec.with_(input=spec.input.with_(frames=24))
    save_model(tmp_path / "own.pt", model, spec)
    own = load_model(tmp_path / "own.pt")
    assert own.spec.input.frames == 24 and own.input_source == "from the checkpoint" and not own.warnings
    asked = load_model(tmp_path / "own.pt", frames=16)
    assert asked.spec.input.frames == 16 and asked.input_source.startswith("frames from --frames")
    assert any("the checkpoint records 24x112x112 clips" in w for w in asked.warnings)


def test_a_fixed_input_cannot_be_changed(tmp_path):
    with torch.device("meta"):
        state = build_model(default_spec("mvit_v2_s", CLASSES)).state_dict()
    torch.save(shapes_only(state), tmp_path / "mvit.pt")
    assert load_model(tmp_path / "mvit.pt").spec.input.frames == 16
    with pytest.raises(CheckpointError, match="mvit_v2_s takes exactly 16x224x224"):
        load_model(tmp_path / "mvit.pt", frames=32)


def test_mismatches_put_the_models_shapes_under_expected(tmp_path):
    """r3d_18 weights loaded as mc3_18: the same keys, other kernels in layer2-4."""
    with torch.device("meta"):
        state = build_model(default_spec("r3d_18", CLASSES)).state_dict()
    torch.save(shapes_only(state), tmp_path / "r3d.pt")
    with pytest.raises(CheckpointError) as err:
        load_model(tmp_path / "r3d.pt", arch="mc3_18")
    message = str(err.value)
    assert "does not fit mc3_18" in message and "missing keys" not in message
    assert "layer2.0.conv1.0.weight: expected (128, 64, 1, 3, 3), found (128, 64, 3, 3, 3)" in message
    assert "looks like r3d_18 with 5 classes" in message


# ----------------------------------------------------------------------------- not checkpoints
@pytest.fixture(scope="module")
def not_checkpoints(tmp_path_factory):
    """(path, words the error must contain) for each kind of file that is not a checkpoint."""
    folder = tmp_path_factory.mktemp("not_checkpoints")
    (folder / "a_directory").mkdir()
    (folder / "empty.pt").write_bytes(b"")
    (folder / "notes.pt").write_text("epochs: 30\nlr: 0.01\n")
    (folder / "noise.pt").write_bytes(random.Random(0).randbytes(20_000))
    torch.save(random_model("c3d_small").state_dict(), folder / "whole.pt")
    data = (folder / "whole.pt").read_bytes()
    (folder / "cut.pt").write_bytes(data[: len(data) // 2])
    torch.save([1, 2, 3], folder / "list.pt")
    torch.save({"encoder.weight": torch.zeros(2, 2)}, folder / "unknown.pt")
    return [
        (folder / "a_directory", "a directory"),
        (folder / "empty.pt", "an empty file"),
        (folder / "notes.pt", "a text file, not a PyTorch checkpoint"),
        (folder / "noise.pt", "binary data of no known format"),
        (folder / "cut.pt", "a truncated PyTorch checkpoint"),
        (folder / "list.pt", "a torch.save file of a list, not a state dict"),
        (folder / "unknown.pt", "unknown architecture"),
    ]


def test_what_is_not_a_checkpoint_is_a_checkpoint_error_naming_the_file(not_checkpoints):
    for path, words in not_checkpoints:
        with pytest.raises(CheckpointError) as err:
            load_model(path)
        assert str(err.value).startswith(f"{path}: ") and words in str(err.value), path


def _one_error_line(capsys, path, words) -> None:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("cabinlens: error: ")]
    assert len(lines) == 1 and str(path) in lines[0] and words in lines[0], err


def test_models_inspect_and_cam_say_what_the_file_is_in_one_line(not_checkpoints, tmp_path, capsys):
    out = tmp_path / "cam.npz"
    for path, words in not_checkpoints:
        assert main(["models", "inspect", str(path)]) == 2
        _one_error_line(capsys, path, words)
        assert main(["cam", str(path), str(tmp_path / "v.mp4"), "--start", "0", "--end", "16", "--device", "cpu",
                     "--out", str(out)]) == 2
        _one_error_line(capsys, path, words)
    assert not out.exists()


def test_models_inspect_names_the_source_of_the_input_spec(tmp_path, capsys):
    model = random_model("i3d_small")
    torch.save({"module." + k: v for k, v in model.state_dict().items()}, tmp_path / "ddp.pt")
    assert main(["models", "inspect", str(tmp_path / "ddp.pt")]) == 0
    text = capsys.readouterr().out
    assert "input       16x112x112 (default of i3d_small, inferred from the weights)" in text
    assert "prefix 'module.' removed; recognised as i3d_small with 5 classes" in text
    assert main(["models", "inspect", str(tmp_path / "ddp.pt"), "--frames", "32", "--size", "160", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["input_source"] == "from --frames/--size" and report["spec"]["input"]["size"] == [160, 160]
    save_model(tmp_path / "own.pt", model, default_spec("i3d_small", CLASSES))
    assert main(["models", "inspect", str(tmp_path / "own.pt")]) == 0
    assert "input       16x112x112 (from the checkpoint)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["models", "inspect", str(tmp_path / "own.pt"), "--size", "big"])
    assert exit_.value.code == 2 and "is not a size" in capsys.readouterr().err
