"""Spearman and SSIM of maps: the values the randomisation check is judged by."""

from __future__ import annotations

import torch

from cabinlens.engine.explain.sanity.similarity import average_ranks, spearman, ssim


def test_ties_share_their_mean_rank():
    assert average_ranks(torch.tensor([[0.0, 0.0, 3.0, 1.0]])).tolist() == [[0.5, 0.5, 3.0, 2.0]]


def test_spearman_of_same_reversed_constant_and_monotone_maps():
    a = torch.rand(3, 2, 4, 4)
    assert torch.allclose(spearman(a, a), torch.ones(3))
    assert torch.allclose(spearman(a, a.square() * 5), torch.ones(3))  # ranks only
    assert torch.allclose(spearman(a, -a), -torch.ones(3))
    assert spearman(a, torch.zeros_like(a)).tolist() == [0.0, 0.0, 0.0]  # a constant map ranks nothing


def test_ssim_is_one_for_a_rescaled_map_and_low_for_an_unrelated_one():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(8, 2, 7, 7, generator=g), torch.rand(8, 2, 7, 7, generator=g)
    assert torch.allclose(ssim(a, 3 * a), torch.ones(8), atol=1e-5)
    assert ssim(a, b).mean() < 0.3
