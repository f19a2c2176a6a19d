"""The sanity checks of a run's explanations, for the report: which clips, which model, which numbers.

For a labelled split run whose checkpoint can be found, the model is loaded again and three checks
(``engine.explain.sanity``) run on a small, fixed budget of the run's clips, chosen per class with a
fixed seed so a report is reproducible: the randomisation and faithfulness checks take ``clips``
clips the model classifies right (spread over classes, those with evidence files first), the
temporal check up to ``per_class`` clips of every class that has a time-reversed partner.
"""

from __future__ import annotations

from collections.abc import Generator

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cabinlens.engine.analysis.store import RunInfo, RunResults, SampleRecord, Store
from cabinlens.engine.explain.sanity.verdicts import randomisation_failure

#: The default budget: what keeps the report to about a minute per model on two CPU cores.
CLIPS = 8
PER_CLASS = 2


@dataclass(frozen=True)
class Budget:
    clips: int = CLIPS  # randomisation and faithfulness
    per_class: int = PER_CLASS  # time reversal, per class with a partner
    batch_size: int = 8
    seed: int = 0


@dataclass
class RunSanity:
    run_id: int
    model: str
    classes: tuple[str, ...]
    clips: int
    randomisation: object | None  # RandomisationResult
    reversal: object | None  # ReversalResult
    faithfulness: object | None  # FaithfulnessResult
    seconds: float
    device: str
    problems: tuple[str, ...] = ()
    labels: np.ndarray | None = None  # the class of each clip of the randomisation and faithfulness checks


def _spread(candidates: dict[int, list[int]], n: int, rng: np.random.Generator) -> list[int]:
    """Up to ``n`` positions, round-robin over classes (in a random order), each class's in random order."""
    queues = {c: list(rng.permutation(v)) for c, v in candidates.items() if v}
    order = list(rng.permutation(sorted(queues)))
    picked: list[int] = []
    while len(picked) < n and any(queues.values()):
        for c in order:
            if queues[c] and len(picked) < n:
                picked.append(int(queues[c].pop(0)))
    return picked


def choose_clips(samples: list[SampleRecord], results: RunResults, n: int, seed: int,
                 classes: set[int] | None = None, right_only: bool = True) -> list[int]:
    """Positions in ``results`` of the clips to check: labelled, right (or, with ``right_only`` False,
    right ones first), of ``classes`` if given; with evidence files first."""
    from cabinlens.engine.explain.evidence import evidence_path

    rng = np.random.default_rng(seed)
    right = results.logits.argmax(1) == results.labels
    tiers: list[dict[int, list[int]]] = [{}, {}, {}]
    for pos, (idx, label) in enumerate(zip(results.indices, results.labels, strict=True)):
        if label < 0 or (classes is not None and int(label) not in classes) or (right_only and not right[pos]):
            continue
        tier = (0 if evidence_path(samples[int(idx)].video).is_file() else 1) if right[pos] else 2
        tiers[tier].setdefault(int(label), []).append(pos)
    picked: list[int] = []
    for tier in tiers:
        picked += _spread(tier, n - len(picked), rng)
    return picked


def _per_class(samples, results, partners: dict[int, int], per_class: int, seed: int) -> list[int]:
    out = []
    for c in sorted(partners):
        out += choose_clips(samples, results, per_class, seed + c, classes={c}, right_only=False)
    return out


def load_inputs(spec, chosen: list[SampleRecord], device):
    """(N, 3, T, H, W) normalised clips of ``chosen`` on ``device``."""
    import torch

    from cabinlens.engine.analysis.clip_loading import ClipLoader

    loader = ClipLoader(spec)
    try:
        frames = [torch.from_numpy(loader.load(s)).permute(3, 0, 1, 2) for s in chosen]
    finally:
        loader.close()
    return spec.input.normalise(torch.stack(frames).to(device))


def evidence_masks(spec, chosen: list[SampleRecord]) -> np.ndarray:
    """(N, T, H, W) bool: each clip's evidence boxes of its own class on its sampled frames (all False
    without an evidence file)."""
    from cabinlens.engine.explain.evidence import evidence_path, read_evidence
    from cabinlens.engine.explain.sanity.faithfulness import box_mask
    from cabinlens.engine.video.geometry import input_region
    from cabinlens.engine.video.opening import frame_size
    from cabinlens.engine.video.sampling import sample_indices

    inp = spec.input
    out = np.zeros((len(chosen), inp.frames, *inp.size), dtype=bool)
    files: dict[str, dict | None] = {}
    for k, s in enumerate(chosen):
        if s.video not in files:
            path = evidence_path(s.video)
            files[s.video] = (read_evidence(path), input_region(frame_size(s.video), inp.size, inp.resize)) \
                if path.is_file() else None
        known = files[s.video]
        if known is None:
            continue
        boxes, region = known
        sampled = sample_indices(s.frame_start, s.frame_end, inp.frames, inp.sampling)
        per_frame = [[b for b in boxes.get(int(f), []) if b.role == "evidence" and b.activity == s.label_name]
                     for f in sampled]
        out[k] = box_mask(per_frame, region, inp.size)
    return out


def check_run(project: str | Path, info: RunInfo, results: RunResults, samples: list[SampleRecord], *,
              device: str = "auto", budget: Budget = Budget()) -> RunSanity:
    """The three checks of one run's model on its clips (``problems`` says why a check did not run)."""
    from cabinlens.engine.analysis.relocate import locate_checkpoint

    path = locate_checkpoint(info.source, info.checkpoint_sha256, Path(project)) if info.source else None
    if path is None:
        return RunSanity(info.id, info.shown, info.classes, 0, None, None, None, 0.0, str(device),
                         (f"checkpoint {info.source or '(none recorded)'} not found: the checks need the model",))
    steps = check_steps(path, info, results, samples, device=device, budget=budget)
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value


def check_steps(checkpoint: str | Path, info: RunInfo, results: RunResults, samples: list[SampleRecord], *,
                device: str = "auto", budget: Budget = Budget()) -> Generator[str, None, RunSanity]:
    """``check_run`` one step at a time with the model at ``checkpoint``: yields what it does next
    (the window's job shows it and may stop there), returns the results."""
    import torch

    from cabinlens.engine.analysis.service import resolve_model
    from cabinlens.engine.device import choose_device
    from cabinlens.engine.explain.sanity.faithfulness import deletion_insertion
    from cabinlens.engine.explain.sanity.randomisation import cascading_randomisation, gradcam_method
    from cabinlens.engine.explain.sanity.temporal import reversed_partners, time_reversal
    from cabinlens.engine.models.spec import ModelSpec

    yield "loading the model ..."
    t0 = time.perf_counter()
    dev = choose_device(device)
    spec = ModelSpec.from_dict(info.spec)
    model = resolve_model(checkpoint).model.to(dev).eval()
    problems = []
    chosen = choose_clips(samples, results, budget.clips, budget.seed)
    randomisation = faithfulness = reversal = None
    if chosen:
        yield f"reading {len(chosen)} clips ..."
        records = [samples[int(results.indices[p])] for p in chosen]
        x = load_inputs(spec, records, dev)
        y = torch.as_tensor(results.labels[chosen], device=dev)
        yield "randomising the model block by block ..."
        method = gradcam_method(spec, info.cam_mode)  # the run's own maps: its layer and method
        randomisation = cascading_randomisation(model, spec, x, y, method=method, batch_size=budget.batch_size,
                                                seed=budget.seed)
        yield "deletion and insertion curves ..."
        masks = torch.from_numpy(evidence_masks(spec, records)).to(dev)
        faithfulness = deletion_insertion(model, spec, x, y, masks if masks.any() else None, method=method,
                                          batch_size=budget.batch_size, seed=budget.seed)
        del x
    else:
        problems.append("no clip the model classifies right: randomisation and faithfulness not checked")
    partners = reversed_partners(info.classes)
    picked = _per_class(samples, results, partners, budget.per_class, budget.seed)
    if picked:
        yield f"time reversal of {len(picked)} clips ..."
        records = [samples[int(results.indices[p])] for p in picked]
        x = load_inputs(spec, records, dev)
        reversal = time_reversal(model, spec, x, results.labels[picked], partners, batch_size=budget.batch_size)
        del x
    else:
        problems.append("no clip of a class with a time-reversed partner: time reversal not checked")
    return RunSanity(info.id, info.shown, info.classes, len(chosen), randomisation, reversal, faithfulness,
                     time.perf_counter() - t0, str(dev), tuple(problems), np.asarray(results.labels[chosen]))


def runs_to_check(store: Store, infos: list[RunInfo]) -> list[RunInfo]:
    """One labelled split run per checkpoint and way of making its maps (layer, method): its test subset's
    when there is one, else its first."""
    chosen: dict[tuple[str, str, str], RunInfo] = {}
    for info in infos:
        if info.kind != "split" or not info.done:
            continue
        key = (info.checkpoint_sha256, info.cam_layer, info.cam_mode)
        best = chosen.get(key)
        if best is None or (info.params.get("subset") == "test" and best.params.get("subset") != "test"):
            chosen[key] = info
    return sorted(chosen.values(), key=lambda i: i.id)


def _f(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}"


SUMMARY_HEADER = ["run", "model", "clips", "spearman_all_random", "ssim_all_random", "randomisation",
                  "reversal_clips", "reversed_to_partner", "time_maps_follow", "deletion_auc_cam", "deletion_auc_random",
                  "deletion_auc_evidence", "deletion_auc_random_boxes", "insertion_auc_cam", "insertion_auc_random",
                  "insertion_auc_evidence", "insertion_auc_random_boxes", "device", "seconds"]
RANDOMISATION_HEADER = ["step", "randomised_down_to", "spearman_mean", "spearman_sd", "ssim_mean", "ssim_sd"]
RANDOMISATION_CLASS_HEADER = ["class", "clips", "spearman_all_random", "ssim_all_random", "randomisation",
                              "decorrelated_at_step", "decorrelated_at_block"]
REVERSAL_HEADER = ["class", "reversed_partner", "clips", "right_forward", "reversed_to_partner", "changed",
                   "partner_probability", "time_maps_follow"]
FAITHFULNESS_HEADER = ["order", "clips", "deletion_auc", "insertion_auc"]


def summary_row(s: RunSanity) -> list[str]:
    r, v, f = s.randomisation, s.reversal, s.faithfulness
    last = r.steps[-1] if r is not None and r.steps else None
    follows = v.follows[~np.isnan(v.follows)] if v is not None else np.array([])
    row = [str(s.run_id), s.model, str(s.clips), _f(last.mean_spearman if last else None),
           _f(last.mean_ssim if last else None), "n/a" if r is None else ("pass" if r.passed else "FAIL"),
           str(0 if v is None else len(v.labels)), _pct(v.to_partner if v is not None else None),
           _pct(float(follows.mean()) if follows.size else None)]
    for kind in ("deletion", "insertion"):
        for order in ("cam", "random", "evidence", "random_boxes"):
            row.append(_f(f.mean_auc(kind, order) if f is not None and order in f.deletion else None))
    return row + [s.device, f"{s.seconds:.1f}"]


def randomisation_rows(s: RunSanity) -> list[list[str]]:
    if s.randomisation is None:
        return []
    return [[str(k + 1), st.block, _f(st.mean_spearman), _f(float(np.std(st.spearman))), _f(st.mean_ssim),
             _f(float(np.std(st.ssim)))] for k, st in enumerate(s.randomisation.steps)]


def randomisation_class_rows(s: RunSanity) -> list[list[str]]:
    """Per class of the checked clips: the mean similarities with every block random, pass or fail, and the
    first step (1: the top block alone random) at which both means fall below ``SURVIVAL`` ("never": none)."""
    from cabinlens.engine.analysis.sanity_results import SURVIVAL

    r = s.randomisation
    if r is None or not r.steps or s.labels is None:
        return []
    rows = []
    for c, n, rho, sim in r.per_class(s.labels):
        low = [k for k in range(len(rho)) if rho[k] < SURVIVAL and sim[k] < SURVIVAL]
        rows.append([s.classes[c], str(n), _f(rho[-1]), _f(sim[-1]),
                     "FAIL" if randomisation_failure((rho[0], sim[0]), (rho[-1], sim[-1])) else "pass",
                     str(low[0] + 1) if low else "never", r.steps[low[0]].block if low else "n/a"])
    return rows


def reversal_rows(s: RunSanity) -> list[list[str]]:
    if s.reversal is None:
        return []
    return [[s.classes[r["class"]], s.classes[r["partner"]], str(r["clips"]), _pct(r["right_forward"]),
             _pct(r["to_partner"]), _pct(r["changed"]), _f(r["partner_prob"]), _pct(r["follows"])]
            for r in s.reversal.per_class()]


def faithfulness_rows(s: RunSanity) -> list[list[str]]:
    f = s.faithfulness
    if f is None:
        return []
    return [[order, str(int((~np.isnan(f.auc("deletion", order))).sum())), _f(f.mean_auc("deletion", order)),
             _f(f.mean_auc("insertion", order))] for order in f.deletion]


def to_dict(s: RunSanity) -> dict:
    """What metrics.json keeps of one run's checks."""
    return {"run": s.run_id, "model": s.model, "clips": s.clips, "device": s.device, "seconds": round(s.seconds, 1),
            "problems": list(s.problems), "summary": dict(zip(SUMMARY_HEADER, summary_row(s), strict=True)),
            "randomisation": [dict(zip(RANDOMISATION_HEADER, r, strict=True)) for r in randomisation_rows(s)],
            "randomisation_per_class": [dict(zip(RANDOMISATION_CLASS_HEADER, r, strict=True))
                                        for r in randomisation_class_rows(s)],
            "reversal": [dict(zip(REVERSAL_HEADER, r, strict=True)) for r in reversal_rows(s)],
            "faithfulness": [dict(zip(FAITHFULNESS_HEADER, r, strict=True)) for r in faithfulness_rows(s)]}


def describe(run: dict) -> str:
    """One line on a run's checks (an entry of ``summary["sanity"]["runs"]``), for the terminal."""
    s = run["summary"]
    steps = run.get("randomisation") or []
    head = ""
    if steps:
        first, last = steps[0], steps[-1]
        means = [(float(r["spearman_mean"]), float(r["ssim_mean"])) for r in (first, last)]
        if randomisation_failure(*means) == "head":
            head = (f"; with the head ({first['randomised_down_to']}) alone random: Spearman {first['spearman_mean']}, "
                    f"SSIM {first['ssim_mean']}: the maps do not depend on the class")
    line = (f"{run['model']}: sanity on {run['clips']} clips: randomisation {s['randomisation']} (Spearman "
            f"{s['spearman_all_random']}, SSIM {s['ssim_all_random']} with every block random{head}); reversed to the "
            f"partner {s['reversed_to_partner']}% of {s['reversal_clips']} clips; deletion AUC cam {s['deletion_auc_cam']} "
            f"vs random {s['deletion_auc_random']}, evidence {s['deletion_auc_evidence']} vs random boxes "
            f"{s['deletion_auc_random_boxes']} ({run['seconds']} s on {run['device']})")
    return line + "".join(f"; {p}" for p in run["problems"])
