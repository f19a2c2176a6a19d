"""Analysis on many processes, GPUs and machines under ``torchrun`` (torch.distributed).

Each rank takes a disjoint, deterministic, contiguous shard of every job's samples (never the
padding of ``DistributedSampler``, which repeats samples and skews balanced accuracy on rare
classes) and writes its results into a store of its own beside the project
(``P.cabinlens.shards/rankR-of-W.cabinlens``: SQLite is not shared across processes or network
file systems). When every rank is done, rank 0 merges the shards into the project exactly once
(runs matched by their key, every sample's result stored once, so a second merge changes
nothing), removes them, and computes the embeddings (t-SNE, Ward) of the split runs once.

Resuming: a rank skips what its shard store or the project already holds, and rank 0 first
merges whatever shards an interrupted job left (of any number of ranks), so the same command,
after a rank or the whole job was killed, computes only the missing samples.

The ranks only meet at barriers (gloo on CPUs, NCCL on GPUs); there is no collective in the
analysis itself, so a slow rank costs nothing but its own time.
"""

from __future__ import annotations

import datetime
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import torch.distributed as dist

from cabinlens.engine.analysis.events import ModelWarning, Progress, RunFinished, RunStarted
from cabinlens.engine.analysis.jobs import Job, run_identity
from cabinlens.engine.analysis.service import Analysis, ResolvedModel, choose_device, jobs_of, resolve_model, run_job
from cabinlens.engine.device import effective_precision
from cabinlens.engine.analysis.store import Store, run_key
from cabinlens.engine.models.spec import ModelSpec
from cabinlens.engine.progress import Message

BARRIER_TIMEOUT = datetime.timedelta(hours=24)  # ranks wait for the slowest at the end of a long job


@dataclass(frozen=True)
class Rank:
    """This process's place in a torchrun job (from the environment torchrun sets)."""

    rank: int
    world: int
    local_rank: int

    @classmethod
    def from_env(cls, env: dict | None = None) -> Rank | None:
        """The rank torchrun started, or None for a plain single process."""
        env = os.environ if env is None else env
        world = int(env.get("WORLD_SIZE", "1") or 1)
        if world <= 1:
            return None
        return cls(int(env["RANK"]), world, int(env.get("LOCAL_RANK", env["RANK"])))

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def shard_indices(count: int, rank: int, world: int) -> range:
    """Rank ``rank``'s samples of ``count``: contiguous (a video is read forwards), disjoint, together
    every sample exactly once, sizes within one of each other; no padding."""
    return range(count * rank // world, count * (rank + 1) // world)


def shard_folder(project: str | Path) -> Path:
    project = Path(project)
    return project.with_name(project.name + ".shards")


def shard_path(project: str | Path, rank: Rank) -> Path:
    return shard_folder(project) / f"rank{rank.rank:04d}-of-{rank.world:04d}.cabinlens"


def rank_device(choice: str, rank: Rank) -> str:
    """``auto``/``cuda``: this rank's own GPU (``cuda:LOCAL_RANK``) when there are GPUs, else the CPU."""
    if choice in ("auto", "cuda"):
        if torch.cuda.is_available():
            return f"cuda:{rank.local_rank % torch.cuda.device_count()}"
        if choice == "auto":
            return "cpu"
    return choice


def merge_shards(project: str | Path) -> dict[int, int]:
    """Merge every shard store beside ``project`` into it, then remove them; {run id: results added}.

    Idempotent: a shard is removed only after its merge committed, and merging it again adds nothing.
    """
    folder = shard_folder(project)
    added: dict[int, int] = {}
    if not folder.is_dir():
        return added
    with Store(project) as store:
        for shard in sorted(folder.glob("rank*-of-*.cabinlens")):
            _recover(shard)
            for run, n in store.merge(shard).items():
                added[run] = added.get(run, 0) + n
            for leftover in (shard, *shard.parent.glob(shard.name + "-*")):  # -journal of a killed rank
                leftover.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass  # something else is in there: leave it
    return added


def _recover(shard: Path) -> None:
    """Roll back the transaction a killed rank left open (its hot journal), which a read-only
    attach could not do: what was committed stays, the batch in flight goes."""
    connection = sqlite3.connect(shard)
    try:
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()


def _done_in_project(project: Path, key: str) -> set[int]:
    """The samples of the run with this key that the project holds already (an earlier, merged job)."""
    if not project.exists():
        return set()
    with Store(project, readonly=True) as store:
        run = store.run_by_key(key)
        return store.done(run) if run is not None else set()


class _Group:
    """The process group for barriers: NCCL when this rank computes on a GPU, else gloo."""

    def __init__(self, rank: Rank, device: torch.device) -> None:
        self.rank, self.device = rank, device
        self.owned = not dist.is_initialized()
        if self.owned:
            backend = "nccl" if device.type == "cuda" else "gloo"
            if device.type == "cuda":
                torch.cuda.set_device(device)
            dist.init_process_group(backend, timeout=BARRIER_TIMEOUT)

    def barrier(self) -> None:
        if dist.get_backend() == "nccl":
            dist.barrier(device_ids=[self.device.index or 0])
        else:
            dist.barrier()

    def close(self) -> None:
        if self.owned and dist.is_initialized():
            dist.destroy_process_group()


def analyse_distributed(project: str | Path, models: Sequence[str | Path | ResolvedModel],
                        make_jobs: Callable[[ModelSpec], Job | Sequence[Job]], how: Analysis, rank: Rank, *,
                        abort: threading.Event | None = None,
                        embeddings: bool = True) -> Iterator[ModelWarning | RunStarted | Progress | RunFinished | Message]:
    """This rank's share of ``analyse_models``; rank 0 merges and yields a ``RunFinished`` per run at the end."""
    project = Path(project)
    device = choose_device(rank_device(how.device, rank))
    how = replace(how, device=str(device))
    group = _Group(rank, device)
    ended = False  # this rank got through its part: it meets the others at the last barrier
    try:
        if rank.is_main and shard_folder(project).is_dir():
            left = merge_shards(project)
            if left:
                yield Message(f"merged {sum(left.values())} results an interrupted job left in {shard_folder(project).name}")
        group.barrier()  # every rank sees the project with those results
        shard = shard_path(project, rank)
        shard.parent.mkdir(parents=True, exist_ok=True)
        keys: list[tuple[str, str, str]] = []  # (run key, model, job) in order
        seconds: dict[str, float] = {}
        for item in models:
            model = item if isinstance(item, ResolvedModel) else resolve_model(item, how.arch, frames=how.frames, size=how.size)
            if rank.is_main:
                for text in model.warnings:
                    yield ModelWarning(model.name, text)
            for job in jobs_of(make_jobs(model.spec)):
                identity, _ = run_identity(job, model.spec, model.name, model.weights, how.cam_mode, model.source,
                                           effective_precision(how.device, how.precision))
                keys.append((run_key(identity), model.name, job.name))
                mine = shard_indices(len(job.samples), rank.rank, rank.world)
                for event in run_job(shard, model, job, how, abort=abort, only=mine,
                                     done_elsewhere=_done_in_project(project, keys[-1][0]), wal=False):
                    if isinstance(event, RunFinished):
                        if event.aborted:
                            return
                        seconds[keys[-1][0]] = event.seconds  # this rank's time on its shard
                        continue  # the run is finished once merged (below)
                    yield event
        group.barrier()  # every shard is complete
        ended = True
        if not rank.is_main:
            return
        added = merge_shards(project)
        with Store(project) as main:
            by_key = {info.key: info for info in main.runs()}
            for key, model_name, job_name in keys:
                info = by_key[key]
                if embeddings and info.kind == "split" and info.done == info.total:
                    from cabinlens.engine.analysis.embeddings import cached_tsne, cached_ward

                    if main.cache_get(info.id, f"tsne:{info.done}:0") is None:
                        yield Message(f"embedding {model_name} on {job_name} (t-SNE, Ward) ...")
                    results = main.results(info.id)
                    cached_tsne(main, info.id, results=results)
                    cached_ward(main, info.id, results=results)
                yield RunFinished(info.id, model_name, job_name, f"{rank.world} ranks", info.done, added.get(info.id, 0),
                                  seconds.get(key, 0.0))
    finally:
        # After an error a rank leaves at once (torchrun then stops the others); a barrier here would
        # pair with another rank's earlier barrier and let it merge incomplete shards.
        try:
            if ended and dist.is_initialized():
                group.barrier()  # rank 0 has merged: nobody leaves before the project is whole
        finally:
            group.close()
