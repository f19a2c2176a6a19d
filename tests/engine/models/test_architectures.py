"""Key names and counts against the public ports, shapes at native and other sizes, and native
outputs identical to the original forward passes (re-written here from the public code)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cabinlens.engine.models import ARCHITECTURES, build_model, default_spec
from cabinlens.engine.models.c3d import C3D
from cabinlens.engine.models.i3d import InceptionI3d
from cabinlens.engine.models.p3d import DEPTHS, P3D

torch.manual_seed(0)


def test_i3d_matches_the_piergiaj_port():
    model = InceptionI3d(400)
    state = model.state_dict()
    assert len(state) == 344
    assert sum(p.numel() for p in model.parameters()) == 12_697_264
    assert state["Conv3d_1a_7x7.conv3d.weight"].shape == (64, 3, 7, 7, 7)
    assert state["logits.conv3d.weight"].shape == (400, 1024, 1, 1, 1)
    for branch in ("b0", "b1a", "b1b", "b2a", "b2b", "b3b"):
        assert f"Mixed_3b.{branch}.conv3d.weight" in state
    assert model.Conv3d_1a_7x7.bn.eps == pytest.approx(1e-3)


def test_c3d_and_p3d_key_names():
    c3d = C3D(487).state_dict()
    assert [k.split(".")[0] for k in c3d][::2] == [
        "conv1", "conv2", "conv3a", "conv3b", "conv4a", "conv4b", "conv5a", "conv5b", "fc6", "fc7", "fc8"]
    assert c3d["fc6.weight"].shape == (4096, 8192)
    for name, depth in DEPTHS.items():
        model = P3D(400, layers=depth)
        state = model.state_dict()
        assert "conv1_custom.weight" in state and state["fc.weight"].shape == (400, 2048)
        blocks = [m for layer in (model.layer1, model.layer2, model.layer3) for m in layer]
        assert [b.structure for b in blocks] == ["ABC"[i % 3] for i in range(sum(depth[:3]))], name
        assert all(b.is_3d for b in blocks) and not any(b.is_3d for b in model.layer4)
        assert "layer4.0.conv_normal.weight" in state and state["layer4.0.conv1.weight"].dim() == 4


def _i3d_original(model: InceptionI3d, x: torch.Tensor) -> torch.Tensor:
    x = model.logits(model.dropout(model.avg_pool(model.extract(x))))
    return x.squeeze(3).squeeze(3).mean(2)  # per-time logits, then the mean over time


def _c3d_original(model: C3D, x: torch.Tensor) -> torch.Tensor:
    x = model.pool5(model.extract(x)).view(-1, 8192 * model.flat_dim // 8192)
    x = model.dropout(F.relu(model.fc6(x)))
    return model.fc8(model.dropout(F.relu(model.fc7(x))))


def _p3d_original(model: P3D, x: torch.Tensor) -> torch.Tensor:
    x = model.maxpool(model.relu(model.bn1(model.conv1_custom(x))))
    x = model.maxpool_2(model.layer1(x))
    x = model.maxpool_2(model.layer2(x))
    x = model.maxpool_2(model.layer3(x))
    s = x.size()
    x = model.layer4(x.view(-1, s[1], s[3], s[4]))
    x = model.avgpool(x).view(-1, model.fc.in_features)
    return model.fc(model.dropout(x))


@pytest.mark.parametrize(
    ("model", "original", "native"),
    [
        (InceptionI3d(7, width=0.25), _i3d_original, (2, 3, 16, 224, 224)),
        (C3D(7, width=0.125, fc_width=64), _c3d_original, (2, 3, 16, 112, 112)),
        (P3D(7, width=0.25), _p3d_original, (2, 3, 16, 160, 160)),
    ],
)
def test_native_size_outputs_equal_the_original_forward(model, original, native):
    model.eval()
    x = torch.randn(native)
    with torch.no_grad():
        torch.testing.assert_close(model(x), original(model, x), rtol=0, atol=0)


@pytest.mark.parametrize(
    ("model", "original", "other"),
    [
        (InceptionI3d(7, width=0.25), _i3d_original, (1, 3, 8, 112, 112)),  # 3x3 map < 7x7 pool
        (C3D(7, width=0.125, fc_width=64), _c3d_original, (1, 3, 32, 160, 160)),  # flatten != 8192
        (P3D(7, width=0.25), _p3d_original, (1, 3, 32, 160, 160)),  # 2 time steps at layer4
    ],
)
def test_other_sizes_work_where_the_original_breaks(model, original, other):
    model.eval()
    x = torch.randn(other)
    with torch.no_grad():
        assert model(x).shape == (1, 7)
        try:
            broken = original(model, x)
        except RuntimeError:
            return
        assert broken.shape != (1, 7)  # the original silently returns one row per time step


def test_p3d_clips_do_not_mix_when_time_is_folded_into_the_batch():
    model = P3D(5, width=0.25).eval()
    a, b = torch.randn(1, 3, 32, 112, 112), torch.randn(1, 3, 32, 112, 112)
    with torch.no_grad():
        torch.testing.assert_close(model(torch.cat([a, b]))[1:], model(b), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in ARCHITECTURES if n not in ("i3d", "c3d", "p3d131", "p3d199")])
def test_every_registry_model_runs_at_its_native_input(name):
    spec = default_spec(name, tuple(f"c{i}" for i in range(5)))
    model = build_model(spec)
    h, w = spec.input.size
    with torch.no_grad():
        out = model(torch.randn(1, 3, spec.input.frames, h, w))
    assert out.shape == (1, 5)
    modules = dict(model.named_modules())
    assert spec.cam_layer in modules and spec.feature_layer in modules


def test_full_size_models_build_with_the_documented_heads():
    i3d = build_model(default_spec("i3d", tuple(map(str, range(34)))))
    assert i3d.logits.conv3d.weight.shape == (34, 1024, 1, 1, 1)
    c3d = build_model(default_spec("c3d", tuple(map(str, range(34)))))
    assert c3d.fc7.weight.shape == (4096, 4096)


@pytest.mark.parametrize(("name", "shape"), [("r3d_18", (1, 3, 8, 128, 96)), ("r2plus1d_18", (1, 3, 24, 96, 96)),
                                             ("s3d", (1, 3, 8, 112, 112)), ("swin3d_t", (1, 3, 8, 96, 96))])
def test_torchvision_models_at_other_sizes(name, shape):
    model = build_model(default_spec(name, ("a", "b", "c")))
    with torch.no_grad():
        assert model(torch.randn(shape)).shape == (1, 3)


def test_s3d_pool_is_unchanged_at_its_native_size():
    from torchvision.models.video import s3d

    torch.manual_seed(3)
    ours = build_model(default_spec("s3d", ("a", "b")))
    reference = s3d(weights=None, num_classes=2).eval()
    reference.load_state_dict(ours.state_dict())
    x = torch.randn(1, 3, 16, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=0, atol=0)
