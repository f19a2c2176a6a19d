"""The demo: the shipped small I3D, C3D and P3D on the synthetic Drive&Act, ready to explore.

``prepare`` generates the dataset (once), analyses split 0's val and test subsets with every
shipped model into one project and computes the embeddings' t-SNE and Ward clustering. Each step
is cached (the dataset's manifest, the project's finished runs, the project's cache table), so a
second call only checks and returns in a few seconds. The GUI runs ``prepare`` on its worker;
``cabinlens demo --headless`` runs it in the terminal and writes the full report.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cabinlens.engine.progress import Message
from cabinlens.resources import RESOURCES

if TYPE_CHECKING:
    from cabinlens.engine.analysis.service import ModelWarning

MODELS_DIR = RESOURCES / "models"
SHIPPED = ("i3d_small", "c3d_small", "p3d_small")  # I3D first: the paper's best, the one shown first
SUBSETS = ("val", "test")
DATASET = "synthetic-small"
PROJECT = "demo.cabinlens"


@dataclass(frozen=True)
class DemoReady:
    data: Path
    project: Path
    seconds: float
    cached: bool  # nothing had to be computed


def default_data_dir() -> Path:
    """Where the demo keeps its data: $CABINLENS_DATA, else the user's data directory."""
    if os.environ.get("CABINLENS_DATA"):
        return Path(os.environ["CABINLENS_DATA"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cabinlens"


def shipped_models() -> list[Path]:
    return [MODELS_DIR / f"{name}.pt" for name in SHIPPED]


def recorded_metrics() -> dict:
    """What ``resources/models/models.json`` records for each shipped model (how made, how good)."""
    return json.loads((MODELS_DIR / "models.json").read_text())


def prepare(data_dir: str | Path | None = None, *, abort: threading.Event | None = None,
            device: str = "auto") -> Iterator[Message | ModelWarning | DemoReady]:
    """Dataset, analyses and embeddings of the demo under ``data_dir``; yields progress, then ``DemoReady``."""
    from cabinlens.engine.analysis.embeddings import cached_tsne, cached_ward
    from cabinlens.engine.analysis.jobs import split_job
    from cabinlens.engine.analysis.runner import Progress
    from cabinlens.engine.analysis.service import Analysis, RunFinished, RunStarted, analyse_models, resolve_model
    from cabinlens.engine.analysis.store import Store
    from cabinlens.engine.data.synth.generate import is_complete, synthesize

    t0 = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    root, project = data_dir / DATASET, data_dir / PROJECT
    computed = False
    if not is_complete(root, 0, "small"):
        computed = True
        yield Message(f"generating the synthetic Drive&Act in {root} ...")
        steps: list[tuple[int, int]] = []
        thread_error: list[BaseException] = []

        def run() -> None:
            try:
                synthesize(root, 0, "small", progress=lambda d, t: steps.append((d, t)))
            except BaseException as exc:  # re-raised below, on the caller's thread
                thread_error.append(exc)

        worker = threading.Thread(target=run, name="cabinlens-demo-synth")
        worker.start()
        seen = 0
        while worker.is_alive() or seen < len(steps):
            worker.join(0.2)
            while seen < len(steps):
                d, t = steps[seen]
                seen += 1
                yield Message("generating the synthetic Drive&Act (runs rendered)", d, t)
        if thread_error:
            raise thread_error[0]
    how = Analysis(device=device)
    for path in shipped_models():
        if abort is not None and abort.is_set():
            return
        model = resolve_model(path)
        for subset in SUBSETS:
            job = split_job(root, model.spec, split=0, subset=subset)
            for event in analyse_models(project, [model], lambda _spec, job=job: job, how, abort=abort):
                if isinstance(event, RunStarted):
                    computed = computed or event.todo > 0
                    run_id = event.run_id
                elif isinstance(event, Progress) and event.session_done:
                    yield Message(f"analysing split 0 {subset} with {model.name}", event.done, event.total)
                elif isinstance(event, RunFinished) and event.aborted:
                    return
                elif not isinstance(event, (Progress, RunFinished)):
                    yield event  # a ModelWarning: the CLI prints it, the window shows it
            with Store(project) as store:
                if store.cache_get(run_id, f"tsne:{len(job.samples)}:0") is None:
                    computed = True
                    yield Message(f"embedding {model.name} on {subset} (t-SNE, Ward) ...")
                cached_tsne(store, run_id)
                cached_ward(store, run_id)
    yield DemoReady(root, project, time.perf_counter() - t0, cached=not computed)
