"""Dataset normalisation: one divisor per model, against a brute-force pass over every stored map."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.analysis.cam_scale import CamScales, cam_scale, describe, same_model_runs
from cabinlens.engine.analysis.store import SampleRecord, Store
from cabinlens.engine.explain.frames import dataset_scale


def _run(store: Store, checkpoint: str, name: str, n: int, rng, *, layer: str = "Mixed_5c", fill: int | None = None,
         slots: int = 6, strength: float = 1.0) -> int:
    identity = {"checkpoint_sha256": checkpoint, "dataset_hash": name, "annotation_hash": "a", "spec": {},
                "cam_mode": "clip", "cam_layer": layer, "params": {}}
    samples = [SampleRecord("vp1/run1", "v.mp4", 16 * i, 16 * i + 16, i % 3, f"c{i % 3}") for i in range(n)]
    run = store.begin_run(identity, name, samples, {"kind": "split", "model": "m", "arch": "m", "classes": ("c0", "c1", "c2")})
    _fill(store, run, range(n if fill is None else fill), rng, slots, strength)
    return run


def _fill(store: Store, run: int, indices, rng, slots: int = 6, strength: float = 1.0) -> None:
    rows = []
    for i in indices:
        cams = (rng.random((slots, 2, 3, 3)) * rng.uniform(0.1, 3.0) * strength).astype(np.float16)
        if i % 7 == 0:
            cams[0] = 0  # an empty top-1 map: left out of the quantile
        rows.append((i, np.zeros(3), np.zeros(4), np.arange(slots), cams, 0.0))
    store.write_batch(run, rows)


def _brute_force(store: Store, runs) -> float:
    peaks = [float(store.cams(r, i)[1][0].max()) for r in runs for i in sorted(store.done(r))]
    return dataset_scale(np.array(peaks))  # the torch implementation the cam command uses


def test_the_divisor_is_the_99th_percentile_of_the_models_top1_maxima(tmp_path):
    rng = np.random.default_rng(0)
    with Store(tmp_path / "p.cabinlens") as store:
        val = _run(store, "ckpt-a", "val", 40, rng)
        test = _run(store, "ckpt-a", "test", 60, rng)
        other = _run(store, "ckpt-b", "test", 30, rng, strength=10.0)  # another checkpoint: other units
        layer = _run(store, "ckpt-a", "layer", 20, rng, layer="Mixed_4f", strength=10.0)
        assert same_model_runs(store, val) == same_model_runs(store, test) == (val, test)
        assert same_model_runs(store, other) == (other,)
        assert same_model_runs(store, layer) == (layer,)
        scale = cam_scale(store, test)
        assert scale.clips == 100 and scale.runs == (val, test)
        assert scale.divisor == pytest.approx(_brute_force(store, (val, test)), rel=1e-9)
        assert cam_scale(store, other).divisor == pytest.approx(_brute_force(store, (other,)), rel=1e-9)
        assert cam_scale(store, other).divisor > 3 * scale.divisor
        assert "÷ " in scale.describe() and "100 clips" in scale.describe()


def test_cam_peaks_reads_the_asked_slot(tmp_path):
    rng = np.random.default_rng(1)
    with Store(tmp_path / "p.cabinlens") as store:
        run = _run(store, "c", "r", 12, rng)
        for slot in (0, 3, 5):
            want = [float(store.cams(run, i)[1][slot].max()) for i in range(12)]
            np.testing.assert_array_equal(np.sort(store.cam_peaks([run], slot)), np.sort(want))
        assert store.cam_peaks([run], 6).size == 0  # a slot no sample has
        assert store.result_count([run]) == 12


def test_a_run_without_results_divides_by_one(tmp_path):
    with Store(tmp_path / "p.cabinlens") as store:
        run = _run(store, "c", "r", 5, np.random.default_rng(2), fill=0)
        scale = cam_scale(store, run)
        assert (scale.divisor, scale.clips) == (1.0, 0)
        assert "no analysed clips" in scale.describe()


def test_a_growing_sweep_refreshes_the_divisor_only_when_it_grew_by_a_tenth(tmp_path):
    rng = np.random.default_rng(3)
    with Store(tmp_path / "p.cabinlens") as store:
        run = _run(store, "c", "sweep", 200, rng, fill=100)
        scales = CamScales()
        first = scales.get(store, run)
        assert first.clips == 100
        _fill(store, run, range(100, 105), rng, strength=20.0)  # 5% more, much stronger
        assert scales.get(store, run) is first  # steady while a sweep trickles in
        _fill(store, run, range(105, 130), rng, strength=20.0)
        now = scales.get(store, run)
        assert now.clips == 130 and now.divisor == pytest.approx(_brute_force(store, (run,)), rel=1e-9)
        assert now.divisor > first.divisor


def test_divisor_per_choice(tmp_path):
    rng = np.random.default_rng(4)
    with Store(tmp_path / "p.cabinlens") as store:
        run = _run(store, "c", "r", 30, rng)
        scales = CamScales()
        assert scales.divisor(store, run, "clip", 0.25) == 0.25
        assert scales.divisor(store, run, "clip", 0.0) == 1.0  # an empty map stays empty
        assert scales.divisor(store, run, "raw", 0.25) == 1.0
        assert scales.divisor(store, run, "dataset", 0.25) == cam_scale(store, run).divisor
        with pytest.raises(ValueError, match="unknown normalisation 'max'"):
            scales.divisor(store, run, "max", 0.25)
    assert describe("clip") == "normalised per clip" and describe("raw").startswith("raw (Eq. 2")
