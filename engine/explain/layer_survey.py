"""Where do the maps point, per layer, weighting and input size? And does the model need the evidence?

For clips of a dataset with evidence files (``engine.explain.evidence``), one forward pass per
clip gives the true class's map at every block in every weighting (``multilayer``). Each map is
scored as ``analysis.explanations`` scores the stored maps: per distinct sampled frame with
evidence of the clip's activity (``score_frame``: pointing game, energy share, the evidence's
share of the seen area), averaged per clip, then over clips (all, and the correctly classified
ones). ``lift`` = pointing / area: 1 is what a map that ignores the evidence scores.

Baselines beside the maps: ``uniform`` (its pointing is the area share), ``centre`` (a peak in the
middle of the seen region), ``motion`` (absolute frame difference of the model's input, pooled
to 14x14: where things move) and ``flipped`` (the CAM layer's map upside down).

Occlusion (does the decision need the evidence?): the evidence boxes of each sampled frame are
filled with the frame's median grey, against the same boxes moved to random places in the seen
region (a control of equal area), and against everything *but* the evidence greyed. A model
that reads the evidence loses accuracy in the first case, not the second, and keeps it in the
third.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from cabinlens.engine.analysis.session import layer_positions, layer_slice
from cabinlens.engine.explain.evidence import Box, evidence_path, read_evidence, score_frame
from cabinlens.engine.explain.attention import attention_maps, attention_modules, check_attention
from cabinlens.engine.explain.methods import ATTENTION_METHODS, METHODS
from cabinlens.engine.explain.multilayer import MultiLayerCam, block_layers
from cabinlens.engine.models.spec import input_region, to_input
from cabinlens.engine.video.reader import VideoReader
from cabinlens.engine.video.sampling import sample_indices

BASELINES = ("uniform", "centre", "motion", "flipped")


@dataclass(frozen=True)
class SurveyRow:
    model: str
    size: int
    layer: str  # a block, "fuse:A+B" (LayerCAM fusion), or "-" for a baseline
    shape: str  # T'xH'xW'
    weighting: str  # a WEIGHTINGS entry, or a baseline's name
    clips: int
    pointing: float
    pointing_right: float | None
    energy: float
    area: float

    @property
    def lift(self) -> float:
        return self.pointing / self.area if self.area else float("nan")

    @property
    def energy_lift(self) -> float:
        return self.energy / self.area if self.area else float("nan")


@dataclass(frozen=True)
class OcclusionRow:
    model: str
    size: int
    clips: int
    accuracy: float  # top-1 on the clean clips
    evidence_greyed: float  # top-1 with the evidence boxes greyed
    random_greyed: float  # top-1 with boxes of the same size greyed elsewhere
    only_evidence: float  # top-1 with everything but the evidence greyed
    p_true: float  # mean softmax of the true class, clean
    p_true_evidence_greyed: float
    p_true_random_greyed: float


def fusion_sets(shapes: dict[str, tuple[int, ...]]) -> list[list[str]]:
    """The last block of each spatial scale, coarse to fine; fuse the coarsest two and three."""
    last_of_scale: dict[tuple[int, ...], str] = {}
    for name, shape in shapes.items():
        last_of_scale[shape[-2:]] = name
    scales = sorted(last_of_scale, key=lambda s: s[0] * s[1])
    chosen = [last_of_scale[s] for s in scales]
    return [chosen[:k] for k in (2, 3) if len(chosen) >= k]


def _baseline_map(kind: str, region_hw: tuple[int, int], x: torch.Tensor | None = None) -> np.ndarray:
    """(T, H, W) map of a baseline at the input's resolution (uniform, centre) or pooled (motion)."""
    if kind == "uniform":
        return np.ones((1, 4, 4), dtype=np.float32)
    if kind == "centre":
        h, w = region_hw
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        g = np.exp(-(((yy - (h - 1) / 2) / (h / 4)) ** 2 + ((xx - (w - 1) / 2) / (w / 4)) ** 2))
        return g[None].astype(np.float32)
    if kind == "motion":
        diff = (x[0, :, 1:] - x[0, :, :-1]).abs().sum(0)  # (T-1, H, W)
        diff = torch.cat([diff[:1], diff], 0)  # frame t: change into t
        pooled = torch.nn.functional.adaptive_avg_pool2d(diff[:, None], (14, 14))[:, 0]
        return pooled.numpy()
    raise ValueError(kind)


def _clip_scores(layer_map: np.ndarray, sampled: np.ndarray, region, frames_evidence: list[tuple[int, list[Box]]]):
    positions = layer_positions(sampled)
    scores = []
    for frame, evidence in frames_evidence:
        s = score_frame(layer_slice(layer_map, sampled, frame, positions), region, evidence)
        if s is not None:
            scores.append(s)
    if not scores:
        return None
    return (float(np.mean([s.hit for s in scores])), float(np.mean([s.energy for s in scores])),
            float(np.mean([s.area for s in scores])))


def _grey_boxes(frames: np.ndarray, boxes_per_frame: list[list[Box]], *, invert: bool = False) -> np.ndarray:
    """Fill the boxes (or everything outside them) of each frame with its median grey."""
    out = frames.copy()
    h, w = frames.shape[1:3]
    for t, boxes in enumerate(boxes_per_frame):
        mask = np.zeros((h, w), dtype=bool)
        for b in boxes:
            mask[max(0, b.y0):min(h, b.y1), max(0, b.x0):min(w, b.x1)] = True
        fill = np.median(frames[t].reshape(-1, frames.shape[-1]), axis=0) if frames.ndim == 4 else np.median(frames[t])
        out[t][~mask if invert else mask] = fill.astype(frames.dtype)
    return out


def _moved(boxes: list[Box], region, rng: np.random.Generator) -> list[Box]:
    """The same boxes at random places inside the seen region (equal area, off the originals when possible)."""
    top, left, rh, rw = region
    moved = []
    for b in boxes:
        bw, bh = b.x1 - b.x0, b.y1 - b.y0
        best = None
        for _ in range(20):
            x0 = int(rng.uniform(left, max(left, left + rw - bw)))
            y0 = int(rng.uniform(top, max(top, top + rh - bh)))
            overlap = max(0, min(x0 + bw, b.x1) - max(x0, b.x0)) * max(0, min(y0 + bh, b.y1) - max(y0, b.y0))
            if best is None or overlap < best[0]:
                best = (overlap, x0, y0)
            if overlap == 0:
                break
        _, x0, y0 = best
        moved.append(Box(b.activity, b.part, "control", x0, y0, x0 + bw, y0 + bh))
    return moved


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def survey(data: str | Path, model: str | Path, *, clips: int = 40, sizes: Sequence[int] = (112,), split: int = 0,
           subset: str = "test", weightings: Sequence[str] = METHODS, occlusion: bool = True, seed: int = 0,
           device: str = "cpu", progress=None) -> tuple[list[SurveyRow], list[OcclusionRow]]:
    """The per-layer table of one model (a checkpoint or an architecture name) on ``clips`` random
    labelled clips with evidence of ``subset`` of ``split``, at each input side in ``sizes``."""
    from cabinlens.engine.analysis.jobs import split_job
    from cabinlens.engine.analysis.service import resolve_model

    rows: list[SurveyRow] = []
    occlusions: list[OcclusionRow] = []
    for size in sizes:
        resolved = resolve_model(str(model), size=size)
        net, spec = resolved.model.to(device), resolved.spec
        job = split_job(data, spec, split=split, subset=subset)
        rng = np.random.default_rng(seed)
        candidates = [s for s in job.samples if s.label >= 0 and evidence_path(s.video).is_file()]
        picked = [candidates[i] for i in sorted(rng.choice(len(candidates), min(clips, len(candidates)), replace=False))]
        layers = block_layers(net, spec)
        cam = MultiLayerCam.for_spec(net, spec, layers)
        gradients = [w for w in weightings if w not in ATTENTION_METHODS]
        attention = [w for w in weightings if w in ATTENTION_METHODS]
        if attention and not attention_modules(net):
            if tuple(weightings) != METHODS:  # named by the user, not the default
                check_attention(net, attention[0], resolved.name)
            attention = []
        blocks = list(net.token_blocks()) if attention else []
        upto = {blocks.index(name): name for name in layers if name in blocks}
        per: dict[tuple[str, str], list[tuple[float, float, float, bool]]] = {}
        shapes: dict[str, tuple[int, ...]] = {}
        occ: list[tuple] = []
        evidence_cache: dict[str, dict[int, list[Box]]] = {}
        t0 = time.perf_counter()
        for n, s in enumerate(picked):
            if s.video not in evidence_cache:
                evidence_cache[s.video] = read_evidence(evidence_path(s.video))
            boxes = evidence_cache[s.video]
            sampled = sample_indices(s.frame_start, s.frame_end, spec.input.frames, spec.input.sampling)
            with VideoReader(s.video) as reader:
                frames = reader.frames(sampled)
                region = input_region((reader.info.height, reader.info.width), spec.input)
            on = [[b for b in boxes.get(int(f), []) if b.role == "evidence" and b.activity == s.label_name]
                  for f in sampled]
            unique, first = np.unique(sampled, return_index=True)
            frames_evidence = [(int(f), on[i]) for f, i in zip(unique, first) if on[i]]
            if not frames_evidence:
                continue
            x = to_input(frames, spec.input, device)
            result = cam(x, targets=[[s.label]], weightings=gradients or ["clip"])
            right = int(result.logits[0].argmax()) == s.label
            maps: dict[tuple[str, str], np.ndarray] = {}
            for layer in layers:
                for w in gradients:
                    m = result.maps[layer][w][0, 0].cpu()
                    maps[(layer, w)] = m.numpy()
                    shapes[layer] = tuple(m.shape)
            for method in attention:  # up to each block, from one pass per method
                per_block, _, _ = attention_maps(net, x, torch.tensor([[s.label]]), method, upto=list(upto))
                for i, layer in upto.items():
                    m = per_block[i][0, 0].cpu()
                    maps[(layer, method)] = m.numpy()
                    shapes[layer] = tuple(m.shape)
            for group in fusion_sets({name: shapes[name] for name in layers}) if "layercam" in gradients else ():
                name = "fuse:" + "+".join(group)
                fused = result.fused(group, "layercam")[0, 0].cpu().numpy()
                maps[(name, "layercam")] = fused
                shapes[name] = fused.shape
            h, w = spec.input.size
            maps[("-", "uniform")] = _baseline_map("uniform", (h, w))
            maps[("-", "centre")] = _baseline_map("centre", (h, w))
            maps[("-", "motion")] = _baseline_map("motion", (h, w), x.cpu())
            if (spec.cam_layer, "clip") in maps:
                maps[(spec.cam_layer, "flipped")] = maps[(spec.cam_layer, "clip")][:, ::-1].copy()
            for key, m in maps.items():
                scored = _clip_scores(m, sampled, region, frames_evidence)
                if scored is not None:
                    per.setdefault(key, []).append((*scored, right))
            if occlusion:
                occ.append(_occlusion(net, spec, frames, on, region, s.label, right, result.logits[0], rng, device))
            if progress:
                progress(f"{resolved.name} {size}: clip {n + 1}/{len(picked)} ({time.perf_counter() - t0:.0f} s)")
        for (layer, w), values in per.items():
            shape = "x".join(map(str, shapes.get(layer, ()))) if layer != "-" else "-"
            if w == "uniform":  # a flat map has no peak: its expected pointing is the area share
                values = [(v[2], v[1], v[2], v[3]) for v in values]
            rows.append(SurveyRow(resolved.name, size, layer, shape, w, len(values),
                                  _mean(v[0] for v in values), _mean(v[0] for v in values if v[3]),
                                  _mean(v[1] for v in values), _mean(v[2] for v in values)))
        if occ:
            a = np.array(occ, dtype=np.float64)
            occlusions.append(OcclusionRow(resolved.name, size, len(occ), *map(float, a.mean(0))))
    return rows, occlusions


@torch.no_grad()
def _occlusion(net, spec, frames, on, region, label, right, logits, rng, device) -> tuple:
    moved = [_moved(b, region, rng) for b in on]
    out = [float(right)]
    probs = []
    for variant in (_grey_boxes(frames, on), _grey_boxes(frames, moved), _grey_boxes(frames, on, invert=True)):
        p = torch.softmax(net(to_input(variant, spec.input, device))[0].float(), 0)
        out.append(float(int(p.argmax()) == label))
        probs.append(float(p[label]))
    clean = float(torch.softmax(logits.float(), 0)[label])
    return (*out, clean, probs[0], probs[1])


def _fmt(v: float | None, pct: bool = True) -> str:
    if v is None or v != v:
        return "-"
    return f"{100 * v:.0f} %" if pct else f"{v:.2f}"


def markdown(rows: Sequence[SurveyRow], occlusions: Sequence[OcclusionRow] = ()) -> str:
    """The tables as Markdown: maps per model, size, layer and weighting; then occlusion."""
    lines = ["| model | size | layer | T'xH'xW' | weighting | clips | pointing | pointing (right) | energy | area | lift | energy lift |",
             "|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.model} | {r.size} | {r.layer} | {r.shape} | {r.weighting} | {r.clips} | {_fmt(r.pointing)} | "
                     f"{_fmt(r.pointing_right)} | {_fmt(r.energy)} | {_fmt(r.area)} | {_fmt(r.lift, False)} | "
                     f"{_fmt(r.energy_lift, False)} |")
    if occlusions:
        lines += ["", "| model | size | clips | top-1 | evidence greyed | same boxes elsewhere | only evidence | "
                      "p(true) | p(true), evidence greyed | p(true), elsewhere |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for o in occlusions:
            lines.append(f"| {o.model} | {o.size} | {o.clips} | {_fmt(o.accuracy)} | {_fmt(o.evidence_greyed)} | "
                         f"{_fmt(o.random_greyed)} | {_fmt(o.only_evidence)} | {_fmt(o.p_true, False)} | "
                         f"{_fmt(o.p_true_evidence_greyed, False)} | {_fmt(o.p_true_random_greyed, False)} |")
    return "\n".join(lines)


def write_csv(path: str | Path, rows: Sequence[SurveyRow]) -> Path:
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        fields = list(asdict(rows[0])) + ["lift", "energy_lift"] if rows else []
        writer.writerow(fields)
        for r in rows:
            writer.writerow([*asdict(r).values(), r.lift, r.energy_lift])
    return path
