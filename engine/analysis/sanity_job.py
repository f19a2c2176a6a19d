"""The explanation checks of one run as a job: a generator that yields progress between the checks.

The same checks as ``engine.analysis.sanity.check_run`` (same clips for the same budget and seed),
split into steps so a window can show progress and stop between them; the result is written beside
the project (``engine.analysis.sanity_results``) only once every check is done, so a stopped job
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.analysis import sanity_results
from cabinlens.engine.analysis.sanity import Budget, RunSanity, check_steps, choose_clips
from cabinlens.engine.analysis.sanity_results import ExplanationChecks
from cabinlens.engine.analysis.store import RunInfo, Store
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.progress import Message

STEPS = 6


@dataclass(frozen=True)
class Readiness:
    """What the window knows about a run's checks before running them: stored ones, or why they
    cannot run (``blocker``), and notes on what they will lack."""

    run_id: int
    model: str
    stored: ExplanationChecks | None
    blocker: str = ""
    notes: tuple[str, ...] = ()


def _looks_like_path(source: str) -> bool:
    return "/" in source or "\\" in source or Path(source).suffix != ""


def model_blocker(project: str | Path, info: RunInfo) -> tuple[str | None, str]:
    """(the checkpoint's path now, "") or (None, why the checks cannot load the run's model)."""
    from cabinlens.engine.analysis.relocate import locate_checkpoint

    if not info.source:
        return None, f"{info.model}: the run does not record its checkpoint, and the checks need the model"
    if not _looks_like_path(info.source):
        return None, (f"{info.model} was analysed with random weights ({info.source}), not a trained checkpoint: "
                      "there is nothing learned to check")
    found = locate_checkpoint(info.source, info.checkpoint_sha256, Path(project))
    if found is None:
        return None, (f"the checkpoint of {info.model} is not found ({info.source}, nor beside the project): "
                      "put it back there to run the checks")
    return found, ""


def readiness(project: str | Path, run_id: int) -> Iterator[object]:
    """Yields the run's ``Readiness`` (cheap: a file read, a few file tests, a checkpoint hash at most)."""
    from cabinlens.engine.explain.evidence import evidence_path

    with Store(project, readonly=True) as store:
        info = store.run(run_id)
        videos = {s.video for s in store.samples(run_id)}
    stored = sanity_results.load(project, info)
    _path, blocker = model_blocker(project, info)
    notes = ()
    if videos and not any(evidence_path(v).is_file() for v in videos):
        notes = (("no evidence files beside this run's videos: deletion and insertion are measured for the map and "
                  "random blocks only, not for the evidence boxes"),)
    yield Readiness(run_id, info.model, stored, blocker, notes)


def run_checks(project: str | Path, run_id: int, *, budget: Budget | None = None, device: str = "auto") -> Iterator[Message]:
    """Yields a ``Message`` before each step (a worker stops the job there); returns the ``ExplanationChecks``, written beside the project
    (a project folder that cannot be written is said in the result's problems, not an error)."""
    import numpy as np

    budget = budget or Budget()
    with Store(project, readonly=True) as store:
        info = store.run(run_id)
        results = store.results(run_id)
        samples = store.samples(run_id)
    path, blocker = model_blocker(project, info)
    if path is None:
        raise CabinLensError(blocker)
    what = f"Explanation checks of {info.model}"
    steps = check_steps(path, info, results, samples, device=device, budget=budget)
    step = 0
    while True:
        try:
            text = next(steps)
        except StopIteration as finished:
            done: RunSanity = finished.value
            break
        yield Message(f"{what}: {text}", min(step, STEPS - 2), STEPS)
        step += 1
    labels = results.labels[choose_clips(samples, results, budget.clips, budget.seed)]
    yield Message(f"{what}: keeping the results ...", STEPS - 1, STEPS)
    checks = sanity_results.from_sanity(done, info, budget, np.asarray(labels))
    try:
        sanity_results.save(project, checks)
    except (CabinLensError, OSError, ValueError) as exc:
        from dataclasses import replace

        checks = replace(checks, problems=checks.problems + (f"not kept beside the project: {exc}",))
    return checks
