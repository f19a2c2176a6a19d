"""Grad-CAM on the tokens of Hugging Face video transformers (VideoMAE, TimeSformer) against a brute force."""

from __future__ import annotations

import pytest
import torch

from cabinlens.engine.explain import GradCam
from cabinlens.engine.explain.gradcam import to_bcthw
from cabinlens.engine.models import load_model
from cam_oracle import layer_output_and_gradient
from hf_models import tiny_timesformer, tiny_videomae

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {"videomae": load_model(tiny_videomae(root / "videomae", layers=3)),
            "timesformer": load_model(tiny_timesformer(root / "timesformer", layers=3))}


def tokens_to_volume(tokens: torch.Tensor, grid, order: str) -> torch.Tensor:
    """(1+)T*H*W tokens of one clip -> (C, T, H, W), written out index by index."""
    t, h, w = grid
    if tokens.shape[0] == t * h * w + 1:
        tokens = tokens[1:]  # the class token has no place in the volume
    volume = torch.empty(tokens.shape[1], t, h, w)
    for ti in range(t):
        for hi in range(h):
            for wi in range(w):
                n = (ti * h + hi) * w + wi if order == "thw" else (hi * w + wi) * t + ti
                volume[:, ti, hi, wi] = tokens[n]
    return volume


def brute_force(model, layer: str, x: torch.Tensor, clip: int, cls: int, grid, order: str) -> torch.Tensor:
    """Autograd through the whole network, then Eq. 1 (mean over t, h, w) and Eq. 2 (weighted sum, ReLU)."""
    out, grad = layer_output_and_gradient(model, layer, x, clip, cls)
    a, g = tokens_to_volume(out[clip], grid, order), tokens_to_volume(grad[clip], grid, order)
    weights = g.mean(dim=(1, 2, 3))
    return torch.relu((weights[:, None, None, None] * a).sum(0))


@pytest.mark.parametrize("name", ["videomae", "timesformer"])
@pytest.mark.parametrize("which", ["default", "first"])
def test_maps_equal_a_brute_force_on_the_reshaped_tokens(models, name, which):
    loaded = models[name]
    model, spec = loaded.model, loaded.spec
    layer = spec.cam_layer if which == "default" else f"hf.{name}.encoder.layer.0"
    grid, order = tuple(spec.options["token_grid"]), "thw" if name == "videomae" else "hwt"
    torch.manual_seed(3)
    x = torch.randn(2, 3, 4, 32, 32)
    result = GradCam.for_spec(model, spec, layer)(x, targets=[[1, 4], [0, 2]])
    assert result.maps.shape == (2, 2, *grid)
    assert result.maps.abs().sum() > 0
    for clip in range(2):
        for k in range(2):
            expected = brute_force(model, layer, x, clip, int(result.targets[clip, k]), grid, order)
            torch.testing.assert_close(result.maps[clip, k], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["videomae", "timesformer"])
def test_a_token_lands_where_its_pixels_are(models, name):
    """At the patch embedding, changing one patch of one frame changes only that cell of the volume."""
    loaded = models[name]
    model, spec = loaded.model, loaded.spec
    layer = f"hf.{name}.embeddings"
    grid = tuple(spec.options["token_grid"])
    tubelet = 4 // grid[0]
    outputs = []

    def keep(_m, _i, out):
        outputs.append(out[0] if isinstance(out, tuple) else out)

    handle = dict(model.named_modules())[layer].register_forward_hook(keep)
    x = torch.randn(1, 3, 4, 32, 32)
    y = x.clone()
    y[:, :, 3, 8:16, 24:32] += 1.0  # frame 3, patch row 1, column 3
    with torch.no_grad():
        model(x), model(y)
    handle.remove()
    gc = GradCam.for_spec(model, spec, layer)
    a, b = (to_bcthw(o, 1, layer, gc.layout, gc.thw) for o in outputs)
    changed = ((a - b).abs().amax(dim=1)[0] > 1e-6).nonzero().tolist()
    assert changed == [[3 // tubelet, 1, 3]]


def test_the_last_timesformer_layer_has_no_map(models):
    """Why TimeSformer's default is the layer before the last: the head reads the class token alone."""
    loaded = models["timesformer"]
    result = GradCam.for_spec(loaded.model, loaded.spec, "hf.timesformer.encoder.layer.2")(torch.randn(1, 3, 4, 32, 32))
    assert result.maps.abs().sum() == 0
