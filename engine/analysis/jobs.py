"""What a run analyses and what identifies it: a split of a dataset, or a sweep over one session.

A run's identity is everything its results depend on: the model's weights (checkpoint hash, or
architecture and seed for random weights), the annotation file's bytes, the videos (name, size,
and a hash of their first and last 64 KiB), the input spec and the CAM settings. The same
command finds its run again; a changed checkpoint or annotation file makes a new run.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.analysis.store import SampleRecord, Store
from cabinlens.engine.data.annotations import read_annotations
from cabinlens.engine.data.layout import discover
from cabinlens.engine.data.videos import resolve_videos
from cabinlens.engine.errors import InputError
from cabinlens.engine.models.spec import ModelSpec
from cabinlens.engine.video.reader import probe


@dataclass(frozen=True)
class Job:
    kind: str  # "split" or "sweep"
    name: str
    samples: tuple[SampleRecord, ...]
    params: dict
    annotation_hash: str
    dataset_hash: str
    train_counts: dict[str, int]


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def videos_hash(paths: Iterable[str | Path]) -> str:
    """Cheap identity of a set of videos: name, size and the first and last 64 KiB of each."""
    digest = hashlib.sha256()
    for path in sorted({str(p) for p in paths}):
        p = Path(path)
        size = p.stat().st_size
        digest.update(f"{p.name}:{size}".encode())
        with open(p, "rb") as f:
            digest.update(f.read(65536))
            f.seek(max(0, size - 65536))
            digest.update(f.read(65536))
    return digest.hexdigest()


def _labels(names: Iterable[str], classes: tuple[str, ...], path: Path) -> None:
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise InputError(path, f"has classes the model does not know: {', '.join(unknown[:5])}"
                               f"{' ...' if len(unknown) > 5 else ''} (the model has {len(classes)} classes)")


def split_job(root: str | Path, spec: ModelSpec, *, view: str | None = None, level: str = "midlevel",
              split: int = 0, subset: str = "test", video_root: str | Path | None = None) -> Job:
    """All chunks of one split subset of a Drive&Act-format dataset."""
    index = discover(root)
    view = view or index.views()[0]
    ann_file = index.find(view=view, level=level, split=split, subset=subset)
    annotations = index.load(ann_file)
    classes = tuple(spec.classes)
    _labels((s.activity for s in annotations), classes, ann_file.path)
    videos = resolve_videos(annotations, video_root or index.root, view)
    samples = tuple(
        SampleRecord(s.file_id, str(videos[s.file_id]), s.frame_start, s.frame_end, classes.index(s.activity),
                     s.activity, s.annotation_id, s.chunk_id)
        for s in annotations
    )
    train_counts: dict[str, int] = {}
    try:
        train = index.load(index.find(view=view, level=level, split=split, subset="train"))
        train_counts = dict(Counter(s.activity for s in train))
    except InputError:
        pass  # no training file: every class counts 0 (all rare), said in the report
    return Job("split", f"{view}/{level} split {split} {subset}", samples,
               {"view": view, "level": level, "split": split, "subset": subset},
               file_hash(ann_file.path), videos_hash(videos.values()), train_counts)


def sweep_job(video: str | Path, spec: ModelSpec, *, window: int | None = None, stride: int | None = None,
              annotations: str | Path | None = None) -> Job:
    """Sliding windows over a whole session; labelled by the annotation at each window's centre."""
    video = Path(video)
    info = probe(video)
    window = window or spec.input.frames
    stride = stride or max(1, window // 2)
    if window > info.frame_count:
        raise InputError(video, f"has {info.frame_count} frames, fewer than one window of {window}")
    classes = tuple(spec.classes)
    labelled: list = []
    ann_hash = ""
    if annotations is not None:
        rows = read_annotations(annotations)
        stem = video.name.rsplit(".", 1)[0]
        labelled = [s for s in rows if s.file_id.rsplit("/", 1)[-1] == stem]
        if not labelled:
            raise InputError(Path(annotations), f"has no rows for {video.name} (file ids end in {stem!r}?)")
        ann_hash = file_hash(Path(annotations))
    samples = []
    for start in range(0, info.frame_count - window + 1, stride):
        centre = start + window // 2
        hit = next((s for s in labelled if s.frame_start <= centre < s.frame_end), None)
        # Activities the model does not know (e.g. the classes the benchmark leaves out) stay
        # named on the timeline but count as unlabelled for the metrics.
        label = classes.index(hit.activity) if hit and hit.activity in classes else -1
        samples.append(SampleRecord(stem_id(video), str(video), start, start + window, label,
                                    hit.activity if hit else "", hit.annotation_id if hit else -1, -1))
    return Job("sweep", f"sweep {video.name} window {window} stride {stride}", tuple(samples),
               {"video": video.name, "window": window, "stride": stride}, ann_hash, videos_hash([video]), {})


def stem_id(video: Path) -> str:
    """``vpN/<run>.<sensor>`` when the video sits in a participant folder, else its stem."""
    stem = video.name.rsplit(".", 1)[0]
    return f"{video.parent.name}/{stem}" if video.parent.name.startswith("vp") else stem


def run_identity(job: Job, spec: ModelSpec, model_name: str, checkpoint_sha256: str, cam_mode: str,
                 source: str = "") -> tuple[dict, dict]:
    """(identity, extra) of the run of this model on this job: the identity decides the run's key."""
    identity = {
        "checkpoint_sha256": checkpoint_sha256, "dataset_hash": job.dataset_hash, "annotation_hash": job.annotation_hash,
        "spec": spec.to_dict(), "cam_mode": cam_mode, "cam_layer": spec.cam_layer,
        "params": {**job.params, "kind": job.kind},
    }
    extra = {"kind": job.kind, "model": model_name, "arch": spec.arch, "classes": spec.classes,
             "train_counts": job.train_counts, "source": source}
    return identity, extra


def open_run(store: Store, job: Job, spec: ModelSpec, model_name: str, checkpoint_sha256: str, cam_mode: str,
             source: str = "") -> int:
    """The run of this model on this job in the store (created, or found again to resume)."""
    identity, extra = run_identity(job, spec, model_name, checkpoint_sha256, cam_mode, source)
    return store.begin_run(identity, f"{model_name}: {job.name}", job.samples, extra)


def session_sweep_jobs(root: str | Path, spec: ModelSpec, *, view: str | None = None, level: str = "midlevel",
                       window: int | None = None, stride: int | None = None,
                       video_root: str | Path | None = None) -> list[Job]:
    """A sweep of every session video of a dataset's view, labelled from the view's all-rows annotation file.

    The sessions are the videos its annotation files name (every split and subset of the level);
    a missing video is reported with the others before anything runs.
    """
    index = discover(root)
    view = view or index.views()[0]
    files = index.select(view=view, level=level)
    if not files:
        raise InputError(index.root, f"no annotation files for {view}/{level}")
    rows = [row for f in files for row in index.load(f)]
    videos = resolve_videos(rows, video_root or index.root, view)
    labels = next((f.path for f in files if f.split is None), None)  # <level>.chunks_90.csv: every row
    return [sweep_job(videos[file_id], spec, window=window, stride=stride, annotations=labels)
            for file_id in sorted(videos)]
