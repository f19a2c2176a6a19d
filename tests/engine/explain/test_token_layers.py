"""Several layers, the layer survey's pointing game and the sanity checks' randomisation on token models
(VideoMAE: time slowest; TimeSformer: time fastest, plus a class token), as on a CNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cabinlens.engine.explain import GradCam
from cabinlens.engine.explain.multilayer import MultiLayerCam, block_layers
from cabinlens.engine.explain.sanity.randomisation import cascade_order, cascading_randomisation
from cabinlens.engine.models import load_model
from hf_models import tiny_timesformer, tiny_videomae

pytest.importorskip("transformers")

NAMES = ("videomae", "timesformer")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {"videomae": load_model(tiny_videomae(root / "videomae", layers=3)),
            "timesformer": load_model(tiny_timesformer(root / "timesformer", layers=3))}


def clips(n: int = 2) -> torch.Tensor:
    return torch.randn(n, 3, 4, 32, 32, generator=torch.Generator().manual_seed(1))


def test_the_blocks_are_the_encoder_layers_up_to_the_cam_layer(models):
    assert block_layers(models["videomae"].model, models["videomae"].spec) == [
        f"hf.videomae.encoder.layer.{i}" for i in range(3)]
    # TimeSformer's last block is left out: its patch tokens get no gradient (the head reads the class token).
    assert block_layers(models["timesformer"].model, models["timesformer"].spec) == [
        "hf.timesformer.encoder.layer.0", "hf.timesformer.encoder.layer.1"]


@pytest.mark.parametrize("name", NAMES)
def test_every_block_gives_the_maps_grad_cam_gives_at_that_block(models, name):
    loaded = models[name]
    x = clips()
    layers = block_layers(loaded.model, loaded.spec)
    result = MultiLayerCam.for_spec(loaded.model, loaded.spec, layers)(x, targets=[[1], [3]], weightings=("clip", "time"))
    t, h, w = loaded.model.token_grid
    for layer in layers:
        single = GradCam.for_spec(loaded.model, loaded.spec, layer)(x, [[1], [3]])
        assert result.maps[layer]["clip"].shape == (2, 1, t, h, w)
        torch.testing.assert_close(result.maps[layer]["clip"], single.maps, rtol=1e-4, atol=1e-6)
        assert result.maps[layer]["time"].abs().sum() > 0


@pytest.mark.parametrize("name", NAMES)
def test_randomisation_cascades_over_the_transformer_blocks_from_the_top(models, name):
    loaded = models[name]
    x = clips(3)
    order = cascade_order(loaded.model, x)
    base = f"hf.{name}"
    assert order[0] == "hf.classifier" and order[-1] == f"{base}.embeddings"
    layers = [b for b in order if ".encoder.layer." in b]
    assert layers == [f"{base}.encoder.layer.{i}" for i in (2, 1, 0)]
    before = {k: v.clone() for k, v in loaded.model.state_dict().items()}
    result = cascading_randomisation(loaded.model, loaded.spec, x, torch.tensor([0, 1, 2]), seed=0)
    assert [s.block for s in result.steps] == order
    assert all(np.isfinite(s.spearman).all() for s in result.steps)
    # the model itself is never touched
    assert all(torch.equal(before[k], v) for k, v in loaded.model.state_dict().items())


def test_the_survey_scores_every_token_block_against_the_evidence(models, synth_small):
    from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
    from cabinlens.engine.explain.layer_survey import survey

    folder = models["timesformer"].path.parent / "timesformer34"
    tiny_timesformer(folder, classes=tuple(DRIVEACT_MIDLEVEL_CLASSES))
    rows, occlusion = survey(synth_small, folder, clips=2, sizes=(32,), subset="val", weightings=("clip", "hires"))
    maps = {(r.layer, r.weighting): r for r in rows}
    for layer in ("hf.timesformer.encoder.layer.0",):  # a 2-layer TimeSformer: its CAM layer is the first
        for weighting in ("clip", "hires"):
            row = maps[(layer, weighting)]
            assert row.shape == "4x4x4" and row.clips == 2 and 0 <= row.pointing <= 1 and 0 < row.area < 1
    assert ("-", "uniform") in maps and ("hf.timesformer.encoder.layer.0", "flipped") in maps
    assert occlusion and occlusion[0].clips == 2


def test_the_survey_scores_attention_maps_up_to_every_videomae_block(models, synth_small):
    from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
    from cabinlens.engine.explain.layer_survey import survey

    folder = models["videomae"].path.parent / "videomae34"
    tiny_videomae(folder, classes=tuple(DRIVEACT_MIDLEVEL_CLASSES))
    rows, _ = survey(synth_small, folder, clips=2, sizes=(32,), subset="val", weightings=("clip", "rollout", "attngrad"),
                     occlusion=False)
    maps = {(r.layer, r.weighting): r for r in rows}
    for layer in ("hf.videomae.encoder.layer.0", "hf.videomae.encoder.layer.1"):
        for method in ("clip", "rollout", "attngrad"):
            row = maps[(layer, method)]
            assert row.shape == "2x4x4" and row.clips == 2 and 0 <= row.pointing <= 1
    # the default survey of a model without joint attention leaves the attention methods out
    other = models["timesformer"].path.parent / "timesformer34"
    if not other.exists():
        tiny_timesformer(other, classes=tuple(DRIVEACT_MIDLEVEL_CLASSES))
    rows, _ = survey(synth_small, other, clips=1, sizes=(32,), subset="val", occlusion=False)
    assert {r.weighting for r in rows}.isdisjoint({"rollout", "attngrad"}) and rows
