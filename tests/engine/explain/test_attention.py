"""Attention rollout and gradient-weighted rollout of a VideoMAE against the equations, written out.

The oracle reads the attention matrices the library itself returns (``output_attentions`` with
eager attention, on a copy of the model) and evaluates Abnar & Zuidema's rollout and Chefer et al.'s
gradient-weighted rollout with NumPy, block by block; the gradients come from autograd through the
whole network. ``GradCam`` with ``mode="rollout"/"attngrad"`` must give the same maps.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain import GradCam
from cabinlens.engine.explain.sanity.randomisation import cascading_randomisation, gradcam_method
from cabinlens.engine.models import load_model
from cabinlens.engine.models.registry import build_model, default_spec
from hf_models import tiny_timesformer, tiny_videomae

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def videomae(tmp_path_factory):
    return load_model(tiny_videomae(tmp_path_factory.mktemp("hf") / "videomae", layers=3))


def library_attentions(model, x: torch.Tensor):
    """Logits and each block's (B, heads, N, N) attention as ``transformers`` returns them (eager)."""
    hf = copy.deepcopy(model.hf)
    hf.set_attn_implementation("eager")
    out = hf(pixel_values=x.transpose(1, 2), output_attentions=True)
    return out.logits, out.attentions


def oracle(model, x: torch.Tensor, clip: int, cls: int, method: str, upto: int) -> np.ndarray:
    logits, attns = library_attentions(model, x)
    a = [t[clip].detach().double().numpy() for t in attns]
    n = a[0].shape[-1]
    eye = np.eye(n)
    if method == "rollout":
        r = eye
        for layer in range(upto + 1):
            step = 0.5 * a[layer].mean(0) + 0.5 * eye
            step = step / step.sum(1, keepdims=True)
            r = step @ r
    else:
        grads = torch.autograd.grad(logits[clip, cls], attns)
        r = eye.copy()
        for layer in range(upto + 1):
            g = grads[layer][clip].double().numpy()
            r = r + np.maximum(g * a[layer], 0).mean(0) @ r
        r = r - eye
    relevance = r.mean(0)  # the head averages the last block's tokens (fc_norm)
    t, h, w = model.token_grid
    return np.maximum(relevance.reshape(t, h, w), 0)


@pytest.mark.parametrize("method", ["rollout", "attngrad"])
@pytest.mark.parametrize("upto", [0, 2])
def test_maps_equal_the_equations_written_out(videomae, method, upto):
    model, spec = videomae.model, videomae.spec
    layer = f"hf.videomae.encoder.layer.{upto}"
    torch.manual_seed(5)
    x = torch.randn(2, 3, 4, 32, 32)
    result = GradCam.for_spec(model, spec, layer)(x, targets=[[1, 4], [0, 2]], mode=method)
    assert result.maps.shape == (2, 2, *model.token_grid)
    assert result.mode == method and result.layer == layer
    for clip in range(2):
        for k in range(2):
            expected = oracle(model, x, clip, int(result.targets[clip, k]), method, upto)
            assert expected.max() > 0
            np.testing.assert_allclose(result.maps[clip, k].numpy(), expected, rtol=1e-4, atol=1e-5 * expected.max())


def test_rollout_is_one_map_for_every_class_and_attngrad_is_not(videomae):
    model, spec = videomae.model, videomae.spec
    x = torch.randn(1, 3, 4, 32, 32)
    rollout = GradCam.for_spec(model, spec)(x, top=3, mode="rollout")
    grad = GradCam.for_spec(model, spec)(x, top=3, mode="attngrad")
    assert torch.equal(rollout.targets, grad.targets)
    assert torch.equal(rollout.maps[0, 0], rollout.maps[0, 1])
    assert not torch.allclose(grad.maps[0, 0], grad.maps[0, 1])
    plain = GradCam.for_spec(model, spec)(x, top=3)  # the logits of the same model, untouched by the methods
    torch.testing.assert_close(grad.logits, plain.logits)


def test_the_model_keeps_its_attention_implementation(videomae):
    model, spec = videomae.model, videomae.spec
    before = model.hf.config._attn_implementation
    GradCam.for_spec(model, spec)(torch.randn(1, 3, 4, 32, 32), mode="attngrad")
    assert model.hf.config._attn_implementation == before
    assert all(p.grad is None for p in model.parameters())


def test_randomising_the_head_leaves_rollout_unchanged_but_not_the_gradient_weighted_one(videomae):
    """What the report's randomisation check shows: rollout ignores the class, so a random head
    cannot change it; the gradient-weighted rollout follows the head."""
    model, spec = videomae.model, videomae.spec
    torch.manual_seed(2)
    x = torch.randn(4, 3, 4, 32, 32)
    y = torch.tensor([0, 1, 2, 3])
    kept = cascading_randomisation(model, spec, x, y, method=gradcam_method(spec, "rollout"))
    assert kept.steps[0].block == "hf.classifier"
    np.testing.assert_allclose(kept.steps[0].spearman, 1.0, atol=1e-6)
    assert kept.steps[-1].mean_spearman < 0.9  # random attention blocks do change it
    assert not kept.passed  # the check fails it at the head, whatever the later steps do
    changed = cascading_randomisation(model, spec, x, y, method=gradcam_method(spec, "attngrad"))
    assert changed.steps[0].mean_spearman < 0.99


def test_models_without_joint_attention_get_one_line(tmp_path):
    timesformer = load_model(tiny_timesformer(tmp_path / "timesformer"))
    x = torch.randn(1, 3, 4, 32, 32)
    with pytest.raises(CabinLensError, match="divided attention") as info:
        GradCam.for_spec(timesformer.model, timesformer.spec)(x, mode="rollout")
    assert "\n" not in str(info.value)
    spec = default_spec("c3d_small", classes=("a", "b", "c"))
    with pytest.raises(CabinLensError, match="has no attention"):
        GradCam.for_spec(build_model(spec), spec)(torch.randn(1, 3, 16, 112, 112), mode="attngrad")


def test_a_layer_that_is_not_an_encoder_block_is_named(videomae):
    model = videomae.model
    with pytest.raises(CabinLensError, match="hf.videomae.embeddings"):
        GradCam(model, "hf.videomae.embeddings")(torch.randn(1, 3, 4, 32, 32), mode="rollout")
