"""Train or fine-tune any registry model on a Drive&Act-format split.

The job is a generator (like the analysis): it yields ``TrainProgress`` after every batch and a
summary after every epoch with the validation subset's balanced top-1 accuracy, and writes a
checkpoint in CabinLens's format after every epoch (atomically), with a record of how it was made:
command arguments, seed, data identity, per-epoch history. Next to it, ``<out>.resume.pt`` holds
the optimiser, scheduler and random states, so ``resume=True`` continues exactly where a stopped
run ended. Clips are sampled with the model's own input spec; training adds temporal jitter (a
random offset within the segment), placement jitter (a shift of up to 8 pixels) and brightness
jitter. ``balanced`` draws clips with
probability inversely proportional to their class's frequency.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cabinlens.engine.analysis.jobs import split_job
from cabinlens.engine.analysis.metrics import evaluate
from cabinlens.engine.analysis.prefetch import prefetch
from cabinlens.engine.video.pool import ReaderPool
from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.device import autocast, place
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path
from cabinlens.engine.models.checkpoints import load_model, save_model
from cabinlens.engine.models.registry import ARCHITECTURES, build_model, default_spec
from cabinlens.engine.models.spec import ModelSpec, resize_frames
from cabinlens.engine.training.segment_cache import SegmentCache
from cabinlens.engine.video.sampling import sample_indices


@dataclass(frozen=True)
class TrainConfig:
    data: str
    model: str  # architecture (fresh weights) or checkpoint (fine-tune)
    out: str
    split: int = 0
    view: str | None = None
    level: str = "midlevel"
    epochs: int = 10
    batch_size: int = 8
    lr: float = 1e-3
    weight_decay: float = 1e-4
    balanced: bool = False
    seed: int = 0
    device: str = "cpu"
    workers: int = 2
    limit: int | None = None  # use only the first N training clips (quick runs, tests)
    val_limit: int | None = None  # validate on only the first N val clips
    cache: bool = False  # decode every train/val segment once and keep it in memory (see segment_cache)
    amp: bool = False  # bfloat16 autocast on CUDA (ignored on the CPU)


@dataclass(frozen=True)
class TrainProgress:
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    val_balanced_top1: float | None = None  # set on the last step of an epoch
    seconds: float = 0.0


def _model(cfg: TrainConfig) -> tuple[nn.Module, ModelSpec]:
    path = Path(cfg.model)
    if path.exists():
        loaded = load_model(path)
        return loaded.model, loaded.spec
    if cfg.model not in ARCHITECTURES:
        raise InputError(path, f"is neither a checkpoint nor an architecture ({', '.join(ARCHITECTURES)})")
    torch.manual_seed(cfg.seed)
    spec = default_spec(cfg.model, DRIVEACT_MIDLEVEL_CLASSES)
    return build_model(spec), spec


def jittered_indices(sample: SampleRecord, spec: ModelSpec, rng: random.Random) -> np.ndarray:
    """A training clip's frames: the spec's sampling from a randomly shifted window of the segment."""
    length = sample.frame_end - sample.frame_start
    shift = rng.randint(-length // 8, length // 8) if length >= 16 else 0
    start = max(sample.frame_start, sample.frame_start + shift)
    end = min(sample.frame_end, sample.frame_end + shift)
    if end - start < 1:
        start, end = sample.frame_start, sample.frame_end
    return sample_indices(start, end, spec.input.frames, spec.input.sampling)


class _Clips:
    """Training clips from the videos (decoded per clip) or from a ``SegmentCache``."""

    def __init__(self, samples: list[SampleRecord], spec: ModelSpec, cache: SegmentCache | None) -> None:
        self.samples, self.spec, self.cache = samples, spec, cache
        self.readers = ReaderPool()

    def get(self, i: int, indices: np.ndarray) -> np.ndarray:
        if self.cache is not None:
            return self.cache.clip(i, indices)
        return resize_frames(self.readers.get(self.samples[i].video).frames(indices), self.spec.input)

    def close(self) -> None:
        self.readers.close()


SHIFT = 8  # pixels of random translation (edge pixels repeated), at the model's input size


def _shift(x: torch.Tensor, offsets: list[tuple[int, int]]) -> torch.Tensor:
    """Translate each clip of (B, C, T, H, W) by its (dy, dx), repeating the edge: placement jitter."""
    h, w = x.shape[-2:]
    padded = torch.nn.functional.pad(x.float(), (SHIFT, SHIFT, SHIFT, SHIFT, 0, 0), mode="replicate")
    return torch.stack([padded[b, :, :, SHIFT + dy : SHIFT + dy + h, SHIFT + dx : SHIFT + dx + w]
                        for b, (dy, dx) in enumerate(offsets)])


def epoch_order(labels: list[int], balanced: bool, rng: random.Random) -> list[int]:
    """Sample indices for one epoch: a shuffle, or draws weighted by 1/class frequency."""
    n = len(labels)
    if not balanced:
        order = list(range(n))
        rng.shuffle(order)
        return order
    counts = Counter(labels)
    weights = [1.0 / counts[lbl] for lbl in labels]
    return rng.choices(range(n), weights=weights, k=n)


def _evaluate(model: nn.Module, spec: ModelSpec, samples: list[SampleRecord], device, workers: int,
              train_counts: dict[str, int], cache: SegmentCache | None = None, amp: bool = False) -> float | None:
    if not samples:
        return None
    model.eval()
    logits = np.zeros((len(samples), len(spec.classes)), dtype=np.float32)
    batch: list[tuple[int, np.ndarray]] = []

    def flush():
        x = torch.from_numpy(np.stack([c for _, c in batch])).to(device).permute(0, 4, 1, 2, 3)
        with torch.no_grad(), _autocast(device, amp):
            out = model(spec.input.normalise(x)).float().cpu().numpy()
        for (i, _), row in zip(batch, out, strict=True):
            logits[i] = row
        batch.clear()

    if cache is not None:
        clips = ((i, cache.clip(i, sample_indices(s.frame_start, s.frame_end, spec.input.frames, spec.input.sampling)))
                 for i, s in enumerate(samples))
    else:
        clips = prefetch(list(enumerate(samples)), spec, workers, ahead=16)
    for item in clips:
        batch.append(item)
        if len(batch) == 16:
            flush()
    if batch:
        flush()
    labels = np.array([s.label for s in samples])
    return evaluate(labels, logits, spec.classes, train_counts).top1["all"]


def _autocast(device: torch.device, amp: bool):
    """bfloat16 autocast where asked for and on CUDA (``engine.device``); a no-op context otherwise."""
    return autocast(device, "bfloat16" if amp else "float32")


def train(cfg: TrainConfig, *, resume: bool = False, abort: threading.Event | None = None,
          status: Callable[[str], None] | None = None) -> Iterator[TrainProgress]:
    """Train as ``cfg`` says; ``status`` hears one-line messages about slow preparation steps."""
    device = torch.device(cfg.device)
    model, spec = _model(cfg)
    place(model, device)  # cudnn.benchmark on CUDA: the clip shape is fixed
    train_job = split_job(cfg.data, spec, view=cfg.view, level=cfg.level, split=cfg.split, subset="train")
    val_job = split_job(cfg.data, spec, view=cfg.view, level=cfg.level, split=cfg.split, subset="val")
    samples = list(train_job.samples[: cfg.limit] if cfg.limit else train_job.samples)
    if not samples:
        raise InputError(cfg.data, "has no training clips for this split")
    labels = [s.label for s in samples]
    val_samples = list(val_job.samples[: cfg.val_limit] if cfg.val_limit else val_job.samples)
    train_cache = val_cache = None
    if cfg.cache:
        t0 = time.perf_counter()
        train_cache = SegmentCache(samples, spec.input, workers=cfg.workers)
        val_cache = SegmentCache(val_samples, spec.input, workers=cfg.workers) if val_samples else None
        if status is not None:
            size = train_cache.nbytes + (val_cache.nbytes if val_cache else 0)
            status(f"cached {len(samples)} train and {len(val_samples)} val segments ({size / 2**20:.0f} MiB) "
                   f"in {time.perf_counter() - t0:.0f} s")
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = math.ceil(len(samples) / cfg.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=cfg.lr, total_steps=max(1, cfg.epochs * steps),
                                                    pct_start=0.15)
    rng = random.Random(cfg.seed)
    history: list[dict] = []
    first_epoch = 0
    state_path = Path(str(cfg.out) + ".resume.pt")
    if resume:
        if not state_path.exists():
            raise InputError(state_path, "no resume state here; start without --resume")
        state = torch.load(state_path, map_location=device, weights_only=True)
        if int(state["epochs"]) != cfg.epochs:
            raise InputError(state_path, f"belongs to a run of {state['epochs']} epochs; resume it with --epochs "
                                         f"{state['epochs']}, or fine-tune from {cfg.out} with --model instead")
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        rng.setstate(_tuple_state(state["rng"]))
        torch.set_rng_state(state["torch_rng"].cpu())
        history, first_epoch = list(state["history"]), int(state["epoch"])
    loss_fn = nn.CrossEntropyLoss()
    clips_of = _Clips(samples, spec, train_cache)
    try:
        for epoch in range(first_epoch, cfg.epochs):
            model.train()
            order = epoch_order(labels, cfg.balanced, rng)
            t0 = time.perf_counter()
            losses = []
            for step in range(steps):
                if abort is not None and abort.is_set():
                    return
                chosen = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
                clips = np.stack([clips_of.get(i, jittered_indices(samples[i], spec, rng)) for i in chosen])
                gains = torch.tensor([rng.uniform(0.8, 1.2) for _ in chosen], device=device).view(-1, 1, 1, 1, 1)
                x = torch.from_numpy(clips).to(device, non_blocking=True).permute(0, 4, 1, 2, 3)
                x = _shift(x, [(rng.randint(-SHIFT, SHIFT), rng.randint(-SHIFT, SHIFT)) for _ in chosen])
                x = spec.input.normalise((x.float() * gains).clamp_(0, 255))  # brightness jitter
                y = torch.tensor([labels[i] for i in chosen], device=device)
                with _autocast(device, cfg.amp):
                    logits = model(x)
                loss = loss_fn(logits.float(), y)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                scheduler.step()
                losses.append(float(loss.detach()))
                if step < steps - 1:
                    yield TrainProgress(epoch + 1, cfg.epochs, step + 1, steps, losses[-1], None, time.perf_counter() - t0)
            val = _evaluate(model, spec, val_samples, device, cfg.workers, train_job.train_counts, val_cache, cfg.amp)
            history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_balanced_top1": val,
                            "seconds": time.perf_counter() - t0})
            _save(cfg, model, spec, history, train_job, optimiser, scheduler, rng, epoch + 1, state_path)
            yield TrainProgress(epoch + 1, cfg.epochs, steps, steps, float(np.mean(losses)), val, time.perf_counter() - t0)
    finally:
        clips_of.close()


def _tuple_state(state) -> tuple:
    """random.Random state back from its list form (saved as plain data for weights_only loading)."""
    version, internal, gauss = state
    return (int(version), tuple(int(v) for v in internal), None if gauss is None else float(gauss))


def _save(cfg, model, spec, history, train_job, optimiser, scheduler, rng, epoch, state_path) -> None:
    record = {
        "command": "cabinlens train", "config": {k: v for k, v in asdict(cfg).items()}, "epochs_done": epoch,
        "history": history, "data": train_job.params | {"annotation_sha256": train_job.annotation_hash,
                                                         "videos_hash": train_job.dataset_hash},
        "torch": str(torch.__version__),
    }
    synth = Path(cfg.data) / "synth.json"
    if synth.exists():
        import json

        record["synthetic_dataset"] = json.loads(synth.read_text())
    model.cpu()
    save_model(cfg.out, model, spec, training=record)
    model.to(cfg.device)
    version, internal, gauss = rng.getstate()
    state = {"model": {k: v.detach().cpu() for k, v in model.state_dict().items()}, "optimiser": optimiser.state_dict(),
             "scheduler": scheduler.state_dict(), "rng": [version, list(internal), gauss],
             "torch_rng": torch.get_rng_state(), "history": history, "epoch": epoch, "epochs": cfg.epochs}
    with atomic_path(state_path) as tmp:
        torch.save(state, tmp)
