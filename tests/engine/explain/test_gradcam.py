"""Grad-CAM against a brute-force evaluation of the paper's Eq. 1-2, written independently here."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cabinlens.engine.explain import GradCam, LayerShapeError
from cabinlens.engine.explain.gradcam import to_bcthw
from cabinlens.engine.models import build_model, default_spec
from cam_oracle import layer_output_and_gradient

CLASSES = tuple(f"c{i}" for i in range(6))


def brute_force(model: nn.Module, layer: str, x: torch.Tensor, clip: int, cls: int, mode: str, unfold=None):
    """Full autograd through the whole network for one clip and class; Eq. 1-2 by explicit loops."""
    a, g = layer_output_and_gradient(model, layer, x, clip, cls)
    if unfold is not None:
        a, g = unfold(a), unfold(g)
    a, g = a[clip].double(), g[clip].double()  # (C, T, H, W)
    channels, steps = a.shape[0], a.shape[1]
    cam = torch.zeros(a.shape[1:], dtype=torch.float64)
    for k in range(channels):
        if mode == "clip":
            cam += g[k].sum() / g[k].numel() * a[k]
        else:
            for t in range(steps):
                cam[t] += g[k, t].sum() / g[k, t].numel() * a[k, t]
    return torch.clamp(cam, min=0)


def model_for(arch: str) -> tuple[nn.Module, torch.Tensor, str]:
    torch.manual_seed(0)
    spec = default_spec(arch, CLASSES)
    model = build_model(spec)
    h, w = spec.input.size
    return model, torch.randn(3, 3, spec.input.frames, h, w), spec.cam_layer


@pytest.mark.parametrize("mode", ["clip", "time"])
@pytest.mark.parametrize(("arch", "layer"), [("c3d_small", None), ("c3d_small", "conv4b"), ("i3d_small", None),
                                             ("i3d_small", "Mixed_4f"), ("r3d_18", None), ("r3d_18", "layer3")])
def test_equals_brute_force_eq_1_2(arch, layer, mode):
    model, x, cam_layer = model_for(arch)
    layer = layer or cam_layer
    result = GradCam(model, layer)(x, targets=[[0, 5], [2, 1], [4, 4]], mode=mode)
    assert result.maps.shape[:2] == (3, 2)
    clips = [1] if arch == "r3d_18" else [0, 1, 2]  # full backward passes of r3d_18 are slow on a CPU
    for clip, classes in enumerate([[0, 5], [2, 1], [4, 4]]):
        if clip not in clips:
            continue
        for j, cls in enumerate(classes):
            expected = brute_force(model, layer, x, clip, cls, mode)
            torch.testing.assert_close(result.maps[clip, j].double(), expected, rtol=1e-4, atol=1e-6)


def test_p3d_folded_layer4():
    model, x, layer = model_for("p3d_small")
    x = torch.randn(2, 3, 32, 112, 112)  # two time steps reach the 2D layer4
    result = GradCam(model, layer)(x, targets=[[3], [1]])
    assert result.maps.shape == (2, 1, 2, 4, 4)
    unfold = lambda t: to_bcthw(t, 2, layer)  # noqa: E731
    torch.testing.assert_close(result.maps[1, 0].double(), brute_force(model, layer, x, 1, 1, "clip", unfold), rtol=1e-4, atol=1e-6)


def test_predicted_class_target_equals_the_explicit_class_and_logits_come_back():
    model, x, layer = model_for("c3d_small")
    cam = GradCam(model, layer)
    predicted = cam(x)
    with torch.no_grad():
        logits = model(x)
    torch.testing.assert_close(predicted.logits, logits)
    explicit = cam(x, targets=logits.argmax(1).tolist())
    torch.testing.assert_close(predicted.maps, explicit.maps)
    top = cam(x, top=5)
    assert top.targets.shape == (3, 5)
    torch.testing.assert_close(top.map_for(0, int(top.targets[0, 3])), top.maps[0, 3])
    with pytest.raises(KeyError):
        explicit.map_for(0, int(top.targets[0, 4]))


def test_a_clip_does_not_depend_on_its_batch():
    model, x, layer = model_for("i3d_small")
    cam = GradCam(model, layer)
    together = cam(x, targets=[[1], [2], [3]]).maps
    alone = cam(x[1:2], targets=[[2]]).maps
    torch.testing.assert_close(together[1], alone[0], rtol=1e-4, atol=1e-6)


def test_model_state_is_left_as_it_was_and_hooks_are_removed_after_errors():
    model, x, layer = model_for("c3d_small")
    model.train()
    model.fc6.weight.requires_grad_(False)
    cam = GradCam(model, layer)
    cam(x[:1])
    assert model.training and not model.fc6.weight.requires_grad and model.fc7.weight.requires_grad
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(RuntimeError):
        cam(torch.randn(1, 5, 16, 112, 112))  # wrong channel count fails inside the forward
    assert not cam.module._forward_hooks
    assert torch.is_grad_enabled()


def test_layers_that_are_not_volumes_get_a_clear_error():
    model, x, _ = model_for("c3d_small")
    with pytest.raises(LayerShapeError, match=r"layer 'fc7' outputs shape \(3, 256\)"):
        GradCam(model, "fc7")(x)
    with pytest.raises(Exception, match="no layer 'nope'"):
        GradCam(model, "nope")


def test_token_and_channels_last_layouts():
    tokens = torch.arange(2 * (1 + 2 * 3 * 4) * 5, dtype=torch.float32).reshape(2, 25, 5)
    v = to_bcthw(tokens, 2, "blocks.15", thw=(2, 3, 4))
    assert v.shape == (2, 5, 2, 3, 4)
    assert torch.equal(v[1, :, 1, 2, 3], tokens[1, 1 + (1 * 12 + 2 * 4 + 3)])
    last = torch.randn(2, 4, 7, 7, 16)
    assert torch.equal(to_bcthw(last, 2, "features", "BTHWC")[:, :, 3, 2, 1], last[:, 3, 2, 1, :])


def test_no_memory_growth_over_repeated_calls():
    import gc
    import tracemalloc

    model, x, layer = model_for("c3d_small")
    cam = GradCam(model, layer)
    for _ in range(5):
        cam(x[:1, :, :, :64, :64])
    gc.collect()
    tracemalloc.start()
    first = tracemalloc.take_snapshot()
    for _ in range(200):
        cam(x[:1, :, :, :64, :64])
    gc.collect()
    growth = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(first, "filename"))
    tracemalloc.stop()
    assert growth < 512 * 1024, growth
    assert not cam.module._forward_hooks


def _thw_unfold(layer_module, x_model, x, layout):
    """Unfold for the brute force: MViT needs the (T, H, W) its block returns next to the tokens."""
    seen = {}

    def keep(_m, _i, out) -> None:
        seen["thw"] = out[1] if isinstance(out, tuple) else None

    handle = layer_module.register_forward_hook(keep)
    with torch.no_grad():
        x_model(x)
    handle.remove()
    return lambda t: to_bcthw(t, x.shape[0], "layer", layout, seen["thw"])


@pytest.mark.parametrize(("arch", "shape"), [("mvit_v2_s", (1, 3, 16, 224, 224)), ("swin3d_t", (2, 3, 8, 96, 96))])
def test_real_token_and_channels_last_models_against_brute_force(arch, shape):
    torch.manual_seed(0)
    spec = default_spec(arch, CLASSES)
    model = build_model(spec)
    x = torch.randn(*shape)
    cam = GradCam.for_spec(model, spec)
    assert cam.layout == spec.cam_layout != "auto"
    targets = [[1, 4], [3, 0]][: shape[0]]  # one clip of MViT: its full backward is slow on a CPU
    result = cam(x, targets=targets, mode="time")
    assert result.maps.shape[:2] == (shape[0], 2) and result.maps.dim() == 5
    unfold = _thw_unfold(cam.module, model, x, spec.cam_layout)
    clip = shape[0] - 1
    expected = brute_force(model, spec.cam_layer, x, clip, targets[clip][1], "time", unfold)
    torch.testing.assert_close(result.maps[clip, 1].double(), expected, rtol=1e-3, atol=1e-6)
