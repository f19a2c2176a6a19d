"""Cascading randomisation on the shipped I3D: Grad-CAM must decorrelate; a map of the input alone must not."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cabinlens.engine.explain.sanity.randomisation import SURVIVAL, cascade_order, cascading_randomisation

pytestmark = pytest.mark.slow


def test_blocks_are_randomised_from_the_output_down(i3d_run, i3d_clips):
    model, *_ = i3d_run
    order = cascade_order(model, i3d_clips[0])
    assert order[0] == "logits" and order[-1] == "Conv3d_1a_7x7" and "Mixed_5c" in order


def test_gradcam_of_the_trained_i3d_decorrelates_as_its_layers_are_randomised(i3d_run, i3d_clips):
    model, spec, *_ = i3d_run
    x, y, _ = i3d_clips
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = cascading_randomisation(model, spec, x, y)
    assert result.passed, [(s.block, s.mean_spearman, s.mean_ssim) for s in result.steps]
    assert result.steps[-1].mean_spearman < SURVIVAL and result.steps[1].mean_spearman < 0.5
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # on a copy


def test_a_map_of_the_input_alone_survives_randomisation_and_fails(i3d_run, i3d_clips):
    model, spec, *_ = i3d_run
    x, y, _ = i3d_clips

    def input_energy(_model, clips, _targets):  # the "identity" method: ignores the model
        return F.adaptive_avg_pool3d(clips.abs().mean(1, keepdim=True), (2, 4, 4))[:, 0]

    result = cascading_randomisation(model, spec, x, y, method=input_energy, blocks=cascade_order(model, x)[:3])
    assert not result.passed
    assert all(s.mean_spearman > 0.99 and s.mean_ssim > 0.99 for s in result.steps)


def test_the_rule_fails_maps_unchanged_by_the_head_and_maps_that_survive():
    from cabinlens.engine.analysis.sanity_results import ClassRandomisation, ExplanationChecks, RandomisationRow
    from cabinlens.engine.explain.sanity.verdicts import randomisation_failure

    assert randomisation_failure((0.5, 0.5), (0.1, 0.2)) == ""  # a trained CNN's Grad-CAM on the demo
    assert randomisation_failure((1.0, 1.0), (0.1, 0.2)) == "head"  # attention rollout: blind to the class
    assert randomisation_failure((0.97, 0.6), (0.1, 0.2)) == ""  # the head changed the structure
    assert randomisation_failure((0.6, 0.6), (0.55, 0.2)) == "survives"
    assert ClassRandomisation("a", 2, (1.0, 0.2), (1.0, 0.1)).passed is False
    assert ClassRandomisation("a", 2, (0.4, 0.2), (0.4, 0.1)).passed is True
    rows = (RandomisationRow("hf.classifier", 1.0, 0.0, 1.0, 0.0), RandomisationRow("hf.videomae.embeddings", 0.2, 0.1, 0.3, 0.1))
    checks = ExplanationChecks(1, "k", "videomae (rollout): x", "videomae", "s", 0.0, 1.0, "cpu", 2, 0, 0, randomisation=rows)
    verdict = checks.verdicts()[0]
    assert verdict.status == "fail" and "head (hf.classifier) random" in verdict.text
