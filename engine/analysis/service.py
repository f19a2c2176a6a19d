"""The one path from a model to stored results: resolve the model, choose the device, open or
resume a run, analyse.

The command line (``cabinlens analyze``, ``cabinlens cam``, the demo) and the window all come
through here, so a fix to any step (a checkpoint warning, the device, resuming) reaches every
caller. Warnings are values (``ModelWarning``), not prints: the CLI writes them to stderr, the
window to its status bar and log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from cabinlens.engine.analysis.decode_processes import processes_fit
from cabinlens.engine.analysis.decode_workers import MAX_GPU_THREADS, decode_plan
from cabinlens.engine.analysis.decoder_choice import choose_decoder
from cabinlens.engine.analysis.events import DataNote, ModelWarning, Progress, RunFinished, RunStarted
from cabinlens.engine.analysis.jobs import Job, open_run, samples_near
from cabinlens.engine.analysis.runner import analyse
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
from cabinlens.engine.device import available_devices, check_precision, choose_device, device_label, effective_precision
from cabinlens.engine.errors import InputError
from cabinlens.engine.explain.attention import check_attention, refusal
from cabinlens.engine.explain.gradcam import Mode
from cabinlens.engine.explain.methods import ATTENTION_METHODS, model_with_method
from cabinlens.engine.models.checkpoints import load_model, model_name, with_input
from cabinlens.engine.models.registry import ARCHITECTURES, build_model, default_spec
from cabinlens.engine.models.spec import ModelSpec

__all__ = ["Analysis", "DataNote", "ModelWarning", "Progress", "ResolvedModel", "RunFinished", "RunStarted", "analyse_models",
           "available_devices", "choose_device", "device_label", "jobs_of", "resolve_model", "run_job"]

RANDOM_WEIGHTS_WARNING = "{arch} with random weights: results show the tool, not a trained model"


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to analyse, with everything that identifies it and what the user should know."""

    model: nn.Module
    spec: ModelSpec
    name: str  # shown to the user: the checkpoint's stem, or "<arch> (random)"
    weights: str  # the checkpoint's SHA-256, or random:<arch>:0
    source: str  # what loads it again (the window's session sweeps): an absolute path or an architecture
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """How to analyse: where, in what precision, with which Grad-CAM weighting, in what batches."""

    device: str = "auto"
    cam_mode: Mode = "clip"
    batch_size: int | None = None  # None: from free memory on CUDA, engine.batching.CPU_BATCH on the CPU
    precision: str = "float32"  # autocast of the forward pass on CUDA: bfloat16, float16 (engine.device)
    workers: int | None = None  # decoding workers; None: engine.analysis.decode_workers for the device
    decode_in: str = "auto"  # auto, threads, processes: engine.analysis.decode_workers
    decoder: str = "auto"  # auto, cpu, cuda (NVDEC): engine.analysis.decoder_choice
    near_frame: int | None = None  # sweeps: the samples nearest this frame first
    near_span: int | None = None  # sweeps: only the samples whose centre is this close to near_frame
    arch: str | None = None  # for checkpoints that cannot be recognised
    frames: int | None = None  # --frames: the clip length, for checkpoints that do not record it
    size: int | tuple[int, int] | None = None  # --size: a side or (height, width)


def resolve_model(name: str | Path, arch: str | None = None, *, frames: int | None = None,
                  size: int | tuple[int, int] | None = None) -> ResolvedModel:
    """A checkpoint path or an architecture name (random weights, seed 0, the 34 Drive&Act classes).

    ``frames``/``size`` (a side or (height, width)) replace the input spec's, as ``--frames``/``--size`` do.
    """
    path = Path(name)
    if path.exists():
        loaded = load_model(path, arch=arch, frames=frames, size=size)
        return ResolvedModel(loaded.model, loaded.spec, model_name(path), loaded.sha256, str(path.resolve()),
                             tuple(loaded.warnings))
    if str(name) in ARCHITECTURES:
        spec = default_spec(str(name), DRIVEACT_MIDLEVEL_CLASSES)
        if frames is not None or size is not None:
            spec = with_input(spec, frames, size, str(name))
        torch.manual_seed(0)
        return ResolvedModel(build_model(spec), spec, f"{name} (random)", f"random:{name}:0", str(name),
                             (RANDOM_WEIGHTS_WARNING.format(arch=name),))
    raise InputError(path, f"is neither a file nor an architecture ({', '.join(ARCHITECTURES)})")


def run_job(project: str | Path, model: ResolvedModel, job: Job, how: Analysis, *,
            abort: threading.Event | None = None, only: Collection[int] | None = None,
            done_elsewhere: Collection[int] = (), wal: bool = True) -> Iterator[RunStarted | Progress | RunFinished]:
    """Open (or find again, to resume) the run of ``model`` on ``job`` in ``project`` and analyse what is missing.

    ``only``/``done_elsewhere``/``wal``: a rank's shard of the job, what the merged project holds
    already, and a shard store's journal (see ``engine.analysis.distributed``). ``how.near_span``
    (with ``how.near_frame``): only the samples around that frame, a sweep around the playhead.
    """
    if how.cam_mode in ATTENTION_METHODS:  # before a run is opened for maps that cannot be made
        check_attention(model.model, how.cam_mode, model.name)
    device = choose_device(how.device)
    label = device_label(device, how.device)
    precision = effective_precision(device, how.precision)
    t0 = time.perf_counter()
    if only is None and how.near_frame is not None and how.near_span is not None:
        only = samples_near(job.samples, how.near_frame, how.near_span)
    wanted = set(range(len(job.samples))) if only is None else set(only)
    with Store(project, wal=wal) as store:
        run_id = open_run(store, job, model.spec, model.name, model.weights, how.cam_mode, source=model.source,
                          precision=precision)
        before = (store.done(run_id) | set(done_elsewhere)) & wanted
        shown = model_with_method(model.name, how.cam_mode)  # as the run is named
        yield RunStarted(run_id, shown, job.name, label, len(wanted) - len(before), len(wanted))
        todo = [(i, s) for i, s in enumerate(job.samples) if i in wanted and i not in before]
        plan = decode_plan(device.type, how.workers, how.decode_in, len(todo))
        decoder = choose_decoder(how.decoder, device, todo, model.spec, min(plan.workers, MAX_GPU_THREADS))
        if decoder.why:
            yield DataNote(decoder.why)
        plan, why = processes_fit(plan, model.spec)
        if why:
            yield DataNote(why)
        last: Progress | None = None
        for progress in analyse(store, run_id, model.model, model.spec, batch_size=how.batch_size, device=device,
                                precision=precision, workers=plan.workers, processes=plan.processes, decoder=decoder.decoder, cam_mode=how.cam_mode, abort=abort,
                                near_frame=how.near_frame, only=only, done_elsewhere=done_elsewhere):
            last = progress
            yield progress
        done = len((store.done(run_id) | set(done_elsewhere)) & wanted)
    yield RunFinished(run_id, shown, job.name, label, done, done - len(before), time.perf_counter() - t0,
                      aborted=bool(last and last.aborted) or bool(abort is not None and abort.is_set()))


def jobs_of(made: Job | Sequence[Job]) -> list[Job]:
    return [made] if isinstance(made, Job) else list(made)


def analyse_models(project: str | Path, models: Sequence[str | Path | ResolvedModel],
                   make_jobs: Callable[[ModelSpec], Job | Sequence[Job]], how: Analysis = Analysis(), *,
                   abort: threading.Event | None = None,
                   ) -> Iterator[ModelWarning | DataNote | RunStarted | Progress | RunFinished]:
    """Each model (a checkpoint, an architecture, or already resolved) over the job(s) it makes, in turn.

    The device is chosen before any model loads, so a wrong ``--device`` fails at once. A project
    file this call created is removed again when it ends (an error, an interrupt) before any
    result was stored, so a failed first run leaves nothing behind.
    """
    choose_device(how.device)
    check_precision(how.precision)
    if how.cam_mode in ATTENTION_METHODS:  # every model before the first runs: none is left half done
        for item in models:
            _check_attention_of(item, how.cam_mode)
    created = not Path(project).exists()
    said: set[str] = set()
    try:
        for item in models:
            if abort is not None and abort.is_set():
                return
            model = item if isinstance(item, ResolvedModel) else resolve_model(item, how.arch, frames=how.frames, size=how.size)
            for text in model.warnings:
                yield ModelWarning(model.name, text)
            for job in jobs_of(make_jobs(model.spec)):
                for text in job.notes:
                    if text not in said:  # each model makes the same job: say it once
                        said.add(text)
                        yield DataNote(text)
                if abort is not None and abort.is_set():
                    return
                yield from run_job(project, model, job, how, abort=abort)
    finally:
        if created:
            discard_if_empty(project)


def _check_attention_of(item: str | Path | ResolvedModel, method: str) -> None:
    """One line when ``method`` cannot explain this model, told from its folder's config without loading it."""
    from cabinlens.engine.models.huggingface import hf_folder, read_config
    from cabinlens.engine.models.reading import CheckpointError

    if isinstance(item, ResolvedModel):
        check_attention(item.model, method, item.name)
        return
    folder = hf_folder(item) if Path(item).exists() else None
    kind = None
    if folder is not None:
        try:
            kind = read_config(folder)[1].model_type
        except CheckpointError:
            return  # loading it says what is wrong with the folder
    if kind == "videomae":
        return
    name = model_name(Path(item)) if Path(item).exists() else str(item)
    raise InputError(item, refusal(method, name, kind))


def discard_if_empty(project: str | Path) -> bool:
    """Remove a project file (and its journal files) that holds no result at all; True if removed."""
    path = Path(project)
    if not path.is_file():
        return False
    try:
        with Store(path) as store:
            if any(info.done for info in store.runs()):
                return False
    except InputError:
        return False  # not ours to remove
    for name in (path, *(path.with_name(path.name + ext) for ext in ("-wal", "-shm", "-journal"))):
        name.unlink(missing_ok=True)
    return True
