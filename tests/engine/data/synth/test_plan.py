"""The synthetic dataset's plan: CSV conventions, real splits, frequency shape, run structure."""

from __future__ import annotations

from collections import Counter

import numpy as np
from driveact_checks import check_file, check_split_participants
from scipy.stats import spearmanr

from cabinlens.engine.data.synth.config import SCALES
from cabinlens.engine.data.synth.plan import INTRO, OUTRO, chunk_rows, plan_dataset, split_files
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES, DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS


def written(tmp_path, seed=0, scale="small"):
    folder = tmp_path / f"{scale}{seed}"
    folder.mkdir()
    for name, text in split_files(plan_dataset(seed, SCALES[scale])).items():
        (folder / name).write_text(text)
    return folder


def test_files_follow_the_real_conventions_and_splits(tmp_path):
    folder = written(tmp_path)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["midlevel.chunks_90.csv"] + [f"midlevel.chunks_90.split_{k}.{s}.csv"
                                                        for k in (0, 1, 2) for s in ("train", "val", "test")])
    for path in folder.iterdir():
        check_file(path, "ids_1", max_chunk=90)
    check_split_participants(folder)
    merged = check_file(folder / "midlevel.chunks_90.csv", "ids_1", 90)
    split0 = [r for s in ("train", "val", "test") for r in check_file(folder / f"midlevel.chunks_90.split_0.{s}.csv", "ids_1", 90)]
    benchmark = [r for r in merged if r["activity"] in DRIVEACT_MIDLEVEL_CLASSES]
    assert sorted(map(tuple, (r.values() for r in benchmark))) == sorted(map(tuple, (r.values() for r in split0)))
    assert 0 < len(merged) - len(benchmark) < 0.05 * len(merged)  # a few rows of extra classes, as in the real file
    assert {r["activity"] for r in split0} == set(DRIVEACT_MIDLEVEL_CLASSES)


def test_class_frequencies_have_the_real_shape():
    for scale in ("small", "medium"):
        rows = [r for p in plan_dataset(0, SCALES[scale]) if p.participant not in (5, 11, 13, 14, 15)
                for r in chunk_rows(p, benchmark_only=True)]
        counts = Counter(r[5] for r in rows)
        classes = list(DRIVEACT_MIDLEVEL_CLASSES)
        synth = np.array([counts[c] for c in classes])
        real = np.array([DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS[c] for c in classes])
        rho = spearmanr(synth, real).statistic
        assert rho > 0.85, (scale, rho)
        assert counts.most_common(1)[0][0] == "sitting_still"
        order = np.argsort(-real)
        top_share = synth[order[:17]].sum() / synth.sum()
        assert top_share > 0.65, (scale, top_share)  # the common half holds most rows (real: 0.91)
        assert synth.max() / synth.min() >= (6 if scale == "small" else 12)  # rare classes are really rare
        assert synth.min() >= 10  # ... but present in every run


def test_runs_are_plausible_sessions():
    for plan in plan_dataset(3, SCALES["small"]):
        acts = [a.activity for a in plan.annotations if a.benchmark]
        assert tuple(acts[:4]) == INTRO and tuple(acts[-4:]) == OUTRO
        assert acts.index("taking_off_jacket") < acts.index("putting_on_jacket")
        assert acts.index("putting_on_sunglasses") < acts.index("taking_off_sunglasses")
        i = acts.index("opening_laptop")
        assert acts[i - 2 : i + 4] == ["opening_backpack", "taking_laptop_from_backpack", "opening_laptop",
                                       "working_on_laptop", "closing_laptop", "putting_laptop_into_backpack"]
        gaps = [b.start - a.end for a, b in zip(plan.annotations, plan.annotations[1:])]
        assert min(gaps) >= 1 and np.median(gaps) < 10  # short gaps between annotations
        assert plan.annotations[-1].end < plan.frames


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a, b, c = written(tmp_path, 0), written(tmp_path, 7), (tmp_path / "again")
    c.mkdir()
    for name, text in split_files(plan_dataset(0, SCALES["small"])).items():
        (c / name).write_text(text)
    for path in a.iterdir():
        assert path.read_bytes() == (c / path.name).read_bytes()
        assert path.read_bytes() != (b / path.name).read_bytes()
    p0, p7 = plan_dataset(0, SCALES["small"]), plan_dataset(7, SCALES["small"])
    assert [p.run for p in p0] != [p.run for p in p7]
    assert [p.participant for p in p0] == list(range(1, 16))
    assert len(plan_dataset(0, SCALES["medium"])) == 30
