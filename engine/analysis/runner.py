"""Run a model over clips: logits, embedding and Grad-CAMs in one pass per batch, into the store.

The job is a generator: it yields a ``Progress`` after every stored batch and checks an abort
request in between, so the CLI (a progress bar) and the GUI worker (signals) drive the same code.
Decoding and resizing run ahead in decoding threads or processes (``engine.analysis.prefetch``),
so inference never waits on one frame; batches go to the model's device through a pinned buffer
(``engine.device``), in batches sized to its free memory and halved when they do not fit
(``engine.batching``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from cabinlens.engine.analysis.clip_loading import SampleFailed
from cabinlens.engine.analysis.events import Progress
from cabinlens.engine.analysis.prefetch import prefetch
from cabinlens.engine.analysis.store import SampleRecord, Store
from cabinlens.engine.batching import CPU_BATCH, MAX_BATCH, cuda_batch_size, run_halving
from cabinlens.engine.compute import COMPUTE
from cabinlens.engine.device import Staging, place
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain.gradcam import GradCam, Mode
from cabinlens.engine.models.spec import ModelSpec, resize_frames
from cabinlens.engine.video.hardware import Decoder
from cabinlens.engine.video.pool import ReaderPool
from cabinlens.engine.video.sampling import sample_indices

CAM_TOP = 5  # CAMs are kept for the top-5 predicted classes and the ground truth


def load_clip(readers: ReaderPool, sample: SampleRecord, spec: ModelSpec) -> np.ndarray:
    """Decode the spec's sampled frames of one sample and resize them: (T, h, w, 3) uint8."""
    indices = sample_indices(sample.frame_start, sample.frame_end, spec.input.frames, spec.input.sampling)
    return resize_frames(readers.get(sample.video).frames(indices), spec.input)


def _feature_hook(store: dict):
    def hook(_module, inputs) -> None:
        x = inputs[0].detach()
        store["feature"] = x.flatten(2).mean(2) if x.dim() > 2 else x

    return hook


def analyse(
    store: Store,
    run_id: int,
    model: nn.Module,
    spec: ModelSpec,
    *,
    batch_size: int | None = CPU_BATCH,
    device: torch.device | str = "cpu",
    precision: str = "float32",
    workers: int = 2,
    processes: bool = False,
    decoder: Decoder = "cpu",
    cam_mode: Mode = "clip",
    abort: threading.Event | None = None,
    near_frame: int | None = None,
    only: Collection[int] | None = None,
    done_elsewhere: Collection[int] = (),
) -> Iterator[Progress]:
    """Analyse the samples of ``run_id`` that have no results yet; yields after every stored batch.

    ``batch_size`` None: from the device's free memory on CUDA, ``CPU_BATCH`` on the CPU; a batch
    that runs out of device memory is halved, and the smaller size kept. ``precision``: autocast
    for the forward pass on CUDA (see ``engine.device``). ``near_frame``: analyse the samples
    nearest that frame first (a session sweep around the player's playhead), in blocks that still
    read forward through the video. ``only``: just these sample indices (a rank's shard);
    ``done_elsewhere``: indices stored in another store already (the merged project), counted as done.
    ``decoder``: where clips are decoded (``engine.analysis.decoder_choice`` picks it);
    ``workers``/``processes``: who decodes them (``engine.analysis.decode_workers`` plans it).
    """
    samples = store.samples(run_id)
    wanted = set(range(len(samples))) if only is None else set(only)
    done = (store.done(run_id) | set(done_elsewhere)) & wanted
    todo = [(i, s) for i, s in enumerate(samples) if i in wanted and i not in done]
    if near_frame is not None:
        todo.sort(key=lambda item: abs((item[1].frame_start + item[1].frame_end) / 2 - near_frame))
    total, start_done = len(wanted), len(done)
    t0 = time.perf_counter()
    yield Progress(start_done, total, 0.0, session_done=0)
    if not todo:
        store.finish_run(run_id)
        return
    device = torch.device(device)
    place(model, device)
    modules = dict(model.named_modules())
    if spec.feature_layer not in modules:
        raise CabinLensError(f"the model has no feature layer {spec.feature_layer!r}")
    captured: dict[str, torch.Tensor] = {}
    handle = modules[spec.feature_layer].register_forward_pre_hook(_feature_hook(captured))
    cam = GradCam.for_spec(model, spec, precision=precision)
    batch: list[tuple[int, np.ndarray]] = []
    finished = start_done
    try:
        size = batch_size or _auto_batch_size(cam, spec, device, cam_mode, captured, len(todo))
        step = _BatchStep(store, run_id, cam, spec, samples, captured, Staging(device), cam_mode)
        failed: SampleFailed | None = None
        for item in prefetch(todo, spec, workers, ahead=max(2 * size, workers * 2), decoder=decoder,
                             processes=processes):
            if isinstance(item[1], SampleFailed):
                failed = item[1]
                break
            batch.append(item)
            if len(batch) < size and len(batch) + finished - start_done < len(todo):
                continue
            if abort is not None and abort.is_set():
                yield Progress(finished, total, time.perf_counter() - t0, True, session_done=finished - start_done)
                return
            stored, size = run_halving(batch, size, step)
            finished += stored
            batch = []
            yield Progress(finished, total, time.perf_counter() - t0, session_done=finished - start_done)
        if failed is not None:
            if batch:  # what was decoded before the failure is kept
                finished += run_halving(batch, size, step)[0]
                yield Progress(finished, total, time.perf_counter() - t0, session_done=finished - start_done)
            raise failed.as_error(finished)
    finally:
        handle.remove()
    store.finish_run(run_id)


def _auto_batch_size(cam: GradCam, spec: ModelSpec, device: torch.device, cam_mode: Mode,
                     captured: dict, todo: int) -> int:
    """``CPU_BATCH`` on the CPU; on CUDA what fits the free memory, measured with blank clips."""
    if device.type != "cuda":
        return CPU_BATCH
    h, w = spec.input.size

    def run(n: int) -> None:
        blank = torch.zeros((n, 3, spec.input.frames, h, w), device=device)
        with COMPUTE:
            cam(blank, top=CAM_TOP, mode=cam_mode, extra=[0] * n)
        captured.pop("feature", None)

    return cuda_batch_size(run, device, cap=max(1, min(MAX_BATCH, todo)))


class _BatchStep:
    """Computes and stores one batch; stores nothing if it raises (so a halved retry repeats no clip)."""

    def __init__(self, store: Store, run_id: int, cam: GradCam, spec: ModelSpec, samples: Sequence[SampleRecord],
                 captured: dict, staging: Staging, cam_mode: Mode) -> None:
        self.store, self.run_id, self.cam, self.spec, self.samples = store, run_id, cam, spec, samples
        self.captured, self.staging, self.cam_mode = captured, staging, cam_mode

    def __call__(self, batch: Sequence[tuple[int, np.ndarray]]) -> int:
        with COMPUTE:  # never at the same time as scikit-learn's OpenMP (see engine.compute)
            self.store.write_batch(self.run_id, self._compute(batch))
        return len(batch)

    def _compute(self, batch: Sequence[tuple[int, np.ndarray]]) -> list[tuple]:
        t = time.perf_counter()
        indices = [i for i, _ in batch]
        self.captured.pop("feature", None)
        clips = self.staging([c for _, c in batch])
        x = self.spec.input.normalise(clips.permute(0, 4, 1, 2, 3))
        labels = [self.samples[i].label for i in indices]
        result = self.cam(x, top=CAM_TOP, mode=self.cam_mode, extra=[max(0, lbl) for lbl in labels])
        features = self.captured.pop("feature").float().cpu().numpy()
        logits = result.logits.float().cpu().numpy()
        targets = result.targets.cpu().numpy()
        maps = result.maps.cpu().numpy()
        seconds = (time.perf_counter() - t) / len(batch)
        rows = []
        for j, idx in enumerate(indices):
            keep = CAM_TOP if labels[j] < 0 else CAM_TOP + 1  # unlabelled: no ground-truth map
            rows.append((idx, logits[j], features[j], targets[j, :keep], maps[j, :keep], seconds))
        return rows
