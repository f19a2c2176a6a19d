"""Shared, expensive fixtures of the sanity-check tests: the shipped I3D and a few of its test clips."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def i3d_run(demo_data):
    """(model, spec, store path, run info, results, samples) of the shipped i3d_small on the demo's test split."""
    import torch

    from cabinlens.engine.analysis.relocate import locate_checkpoint
    from cabinlens.engine.analysis.sanity import runs_to_check
    from cabinlens.engine.analysis.service import resolve_model
    from cabinlens.engine.analysis.store import Store
    from cabinlens.engine.demo import PROJECT
    from cabinlens.engine.models.spec import ModelSpec

    project = demo_data / PROJECT
    with Store(project, readonly=True) as store:
        info = next(i for i in runs_to_check(store, store.runs()) if i.model == "i3d_small")
        results, samples = store.results(info.id), store.samples(info.id)
    torch.manual_seed(0)
    model = resolve_model(locate_checkpoint(info.source, info.checkpoint_sha256, project)).model.eval()
    return model, ModelSpec.from_dict(info.spec), project, info, results, samples


@pytest.fixture(scope="session")
def i3d_clips(i3d_run):
    """Four right test clips of different classes (normalised inputs, labels, evidence masks)."""
    import torch

    from cabinlens.engine.analysis.sanity import choose_clips, evidence_masks, load_inputs

    model, spec, _, _, results, samples = i3d_run
    chosen = choose_clips(samples, results, 4, seed=0)
    records = [samples[int(results.indices[p])] for p in chosen]
    return (load_inputs(spec, records, "cpu"), torch.as_tensor(results.labels[chosen]),
            torch.from_numpy(evidence_masks(spec, records)))
