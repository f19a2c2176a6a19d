"""The finer weightings and the multi-layer pass against direct evaluations of their formulas.

Each brute force runs a full backward through the whole network (input and parameters requiring
grad) and evaluates the formula by explicit loops over channels, written independently here.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cabinlens.engine.explain import GradCam
from cabinlens.engine.explain.gradcam import fuse_maps
from cabinlens.engine.explain.multilayer import MultiLayerCam, block_layers
from cabinlens.engine.models import build_model, default_spec
from cam_oracle import layer_output_and_gradient

CLASSES = tuple(f"c{i}" for i in range(6))


def activation_and_gradient(model: nn.Module, layer: str, x: torch.Tensor, clip: int, cls: int):
    a, g = layer_output_and_gradient(model, layer, x, clip, cls)
    return a[clip].double(), g[clip].double()


def direct(a: torch.Tensor, g: torch.Tensor, weighting: str) -> torch.Tensor:
    """(C, T, H, W) -> (T, H, W), one channel at a time."""
    cam = torch.zeros(a.shape[1:], dtype=torch.float64)
    for k in range(a.shape[0]):
        if weighting == "hires":
            cam += g[k] * a[k]
        elif weighting == "layercam":
            cam += torch.clamp(g[k], min=0) * a[k]
        elif weighting == "gradcampp":
            s = float((a[k] * g[k] ** 3).sum())
            total = 0.0
            for v in range(g[k].numel()):  # one position at a time
                gv = float(g[k].flatten()[v])
                den = 2 * gv * gv + s
                alpha = gv * gv / den if den != 0 else 0.0
                total += alpha * max(gv, 0.0)
            cam += total * a[k]
        elif weighting == "clip":
            cam += g[k].mean() * a[k]
    return torch.clamp(cam, min=0)


def tiny() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(3)
    model = nn.Sequential()
    model.add_module("conv1", nn.Conv3d(3, 4, 3, padding=1))
    model.add_module("relu1", nn.ReLU())
    model.add_module("conv2", nn.Conv3d(4, 5, 3, stride=(1, 2, 2), padding=1))
    model.add_module("relu2", nn.ReLU(inplace=True))
    model.add_module("pool", nn.AdaptiveAvgPool3d(1))
    model.add_module("flat", nn.Flatten())
    model.add_module("fc", nn.Linear(5, 3))
    return model.eval(), torch.randn(2, 3, 4, 8, 8)


@pytest.mark.parametrize("weighting", ["hires", "layercam", "gradcampp", "clip"])
@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_weighting_equals_its_formula_on_a_tiny_model(weighting, layer):
    model, x = tiny()
    result = GradCam(model, layer)(x, targets=[[0, 2], [1, 1]], mode=weighting)
    for clip, classes in enumerate([[0, 2], [1, 1]]):
        for j, cls in enumerate(classes):
            a, g = activation_and_gradient(model, layer, x, clip, cls)
            torch.testing.assert_close(result.maps[clip, j].double(), direct(a, g, weighting), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("weighting", ["hires", "layercam", "gradcampp"])
def test_weighting_equals_its_formula_on_i3d_small(weighting):
    torch.manual_seed(0)
    spec = default_spec("i3d_small", CLASSES)
    model = build_model(spec)
    x = torch.randn(1, 3, 16, 112, 112)
    result = MultiLayerCam(model, ["Mixed_4f", "Mixed_5c"])(x, targets=[[4]], weightings=(weighting,))
    for layer in ("Mixed_4f", "Mixed_5c"):
        a, g = activation_and_gradient(model, layer, x, 0, 4)
        torch.testing.assert_close(result.maps[layer][weighting][0, 0].double(), direct(a, g, weighting),
                                   rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("arch", ["i3d_small", "c3d_small", "p3d_small"])
def test_one_pass_over_every_block_equals_one_gradcam_per_layer(arch):
    torch.manual_seed(0)
    spec = default_spec(arch, CLASSES)
    model = build_model(spec)
    x = torch.randn(2, 3, 8 if arch == "i3d_small" else 16, 64, 64)  # small: one full pass per layer follows
    layers = block_layers(model, spec)
    assert layers[-1] == spec.cam_layer and len(layers) >= 5
    multi = MultiLayerCam.for_spec(model, spec, layers)(x, targets=[[1, 3], [5, 0]], weightings=("clip", "time"))
    for layer in layers:
        single = GradCam.for_spec(model, spec, layer)(x, targets=[[1, 3], [5, 0]], mode="time")
        torch.testing.assert_close(multi.maps[layer]["time"], single.maps, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(multi.logits, GradCam.for_spec(model, spec)(x, targets=[[1], [5]]).logits)


def test_gradcam_default_is_unchanged_bit_for_bit():
    """The paper's Eq. 1-2 from the multi-layer pass at the CAM layer alone are the same bits."""
    torch.manual_seed(0)
    spec = default_spec("i3d_small", CLASSES)
    model = build_model(spec)
    x = torch.randn(2, 3, 16, 112, 112)
    single = GradCam.for_spec(model, spec)(x, top=2)
    multi = MultiLayerCam.for_spec(model, spec, [spec.cam_layer])(x, top=2)
    assert torch.equal(single.maps, multi.maps[spec.cam_layer]["clip"])


def test_fuse_maps_normalises_upsamples_and_keeps_the_maximum():
    coarse = torch.zeros(1, 1, 2, 2)
    coarse[0, 0, 0, 0] = 4.0  # normalised to 1 at the top-left quarter
    fine = torch.zeros(1, 1, 4, 4)
    fine[0, 0, 3, 3] = 0.5  # normalised to 1 at the bottom-right cell
    fused = fuse_maps([coarse, fine])
    assert fused.shape == (1, 1, 4, 4)
    assert float(fused[0, 0, 0, 0]) == pytest.approx(1.0)
    assert float(fused[0, 0, 3, 3]) == pytest.approx(1.0)
    assert float(fused.max()) <= 1.0 + 1e-6
