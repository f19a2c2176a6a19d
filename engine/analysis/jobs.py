"""What a run analyses and what identifies it: a split of a dataset, or a sweep over one session.

A run's identity is everything its results depend on: the model's weights (checkpoint hash, or
architecture and seed for random weights), the annotation file's bytes, the videos (name, size,
and a hash of their first and last 64 KiB), the input spec and the CAM settings. The same
command finds its run again; a changed checkpoint or annotation file makes a new run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.analysis.store import SampleRecord, Store
from cabinlens.engine.analysis.validation import InvalidRowsError, RowProblem, frame_counts, row_problems, unknown_labels_text
from cabinlens.engine.data.annotations import read_annotations
from cabinlens.engine.data.layout import discover
from cabinlens.engine.data.selection import select_rows
from cabinlens.engine.data.videos import (
    MissingVideosError,
    names_video,
    normalise_video_path,
    resolve_videos,
    session_id,
    session_ids,
    video_candidates,
)
from cabinlens.engine.errors import InputError
from cabinlens.engine.explain.methods import model_with_method
from cabinlens.engine.io import file_sha256
from cabinlens.engine.models.spec import ModelSpec
from cabinlens.engine.video.reader import probe
from cabinlens.engine.wording import count


@dataclass(frozen=True)
class Job:
    kind: str  # "split" or "sweep"
    name: str
    samples: tuple[SampleRecord, ...]
    params: dict
    annotation_hash: str
    dataset_hash: str
    train_counts: dict[str, int]
    train_source: str = ""  # where train_counts come from ('' when there are none)
    notes: tuple[str, ...] = ()  # what the user should hear about the data (ignored files, repeats)
    skipped: tuple[RowProblem, ...] = ()  # rows left out by --skip-invalid, with the reason


def file_hash(path: Path) -> str:
    return file_sha256(path)


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


def split_job(root: str | Path, spec: ModelSpec, *, view: str | None = None, level: str = "midlevel",
              split: int | None = None, subset: str | None = None, video_root: str | Path | None = None,
              train_counts: str | Path | None = None, skip_invalid: bool = False) -> Job:
    """The rows of a dataset selection (a Drive&Act split subset, or a segments CSV), checked up front.

    Every row is checked against its video (found, readable, long enough) and the model's classes
    before anything runs; all problems are raised at once, or with ``skip_invalid`` the rows are
    left out and kept in ``Job.skipped`` for the report.
    """
    sel = select_rows(root, view=view, level=level, split=split, subset=subset, video_root=video_root,
                      train_counts=train_counts)
    rows = sel.annotations.segments
    classes = tuple(spec.classes)
    found = resolve_videos(rows, sel.video_root, sel.view, strict=False)
    missing = {fid: video_candidates(fid, sel.video_root, sel.view) for fid in {s.file_id for s in rows} - set(found)}
    problems = row_problems(rows, found, missing, frame_counts(found), classes)
    notes = list(sel.notes)
    unknown = unknown_labels_text(sel.annotations, classes)
    if problems:
        bad_lines = {p.line for p in problems}
        if not skip_invalid or len(bad_lines) == len(rows):
            if not skip_invalid and missing and len(missing) == len({s.file_id for s in rows}):
                lines: dict[str, list[int]] = {}
                for seg in rows:
                    lines.setdefault(seg.file_id, []).append(seg.line)
                # nothing is where it should be: say that first
                raise MissingVideosError(sel.video_root, missing, sel.file.path, lines)
            raise InvalidRowsError(sel.file.path, problems, len(rows), preface=unknown)
        rows = tuple(s for s in rows if s.line not in bad_lines)
        notes.append(f"{sel.file.path.name}: skipped {count(len(bad_lines), 'invalid row')} (--skip-invalid); "
                     "the report lists them")
        if unknown:
            notes.append(unknown)
    ids = session_ids(found)
    samples = tuple(
        SampleRecord(ids[s.file_id], str(found[s.file_id].absolute()), s.frame_start, s.frame_end,
                     classes.index(s.activity), s.activity, s.annotation_id, s.chunk_id)
        for s in rows
    )
    params = dict(sel.params)
    if problems:  # a run without these rows is another run than one with them
        params["skipped"] = hashlib.sha256(json.dumps([p.to_list() for p in problems]).encode()).hexdigest()[:16]
    return Job("split", sel.name, samples, params, file_hash(sel.file.path), videos_hash(found.values()),
               dict(sel.training.counts), sel.training.source, tuple(dict.fromkeys(notes)), tuple(problems))


def sweep_job(video: str | Path, spec: ModelSpec, *, window: int | None = None, stride: int | None = None,
              annotations: str | Path | None = None, file_id: str | None = None) -> Job:
    """Sliding windows over a whole session; labelled by the annotation at each window's centre.

    ``file_id``: the session's id (the window passes the one it shows); by default the id the
    annotation rows give the video, else ``stem_id``.
    """
    video = Path(video).absolute()  # stored: a project must not depend on the folder it was made from
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
        labelled = [s for s in rows if names_video(s.file_id, video)]
        if not labelled:
            ids = sorted({session_id(s.file_id) for s in rows}, key=len)[:5]
            raise InputError(Path(annotations), f"has no rows for {video.name} (its file ids are e.g. "
                                                f"{', '.join(ids)}; a file id names the video's path without "
                                                "extension, or its last folders and name)")
        # The split run's session id for this video: without extension unless another video shares the stem.
        same_stem = {session_id(s.file_id) for s in rows if not names_video(s.file_id, video)}
        own = session_id(labelled[0].file_id)
        file_id = file_id or (own if own not in same_stem else normalise_video_path(labelled[0].file_id))
        ann_hash = file_hash(Path(annotations))
    notes = ()
    if labelled and classes:
        unknown = unknown_labels_text(labelled, classes)
        if unknown:  # said before the sweep: those windows are drawn with their label but not scored
            notes = (f"{Path(annotations).name}, rows of {video.name}: {unknown}; their windows count as unlabelled",)
    samples = []
    for start in range(0, info.frame_count - window + 1, stride):
        centre = start + window // 2
        hit = next((s for s in labelled if s.frame_start <= centre < s.frame_end), None)
        # Activities the model does not know (e.g. the classes the benchmark leaves out) stay
        # named on the timeline but count as unlabelled for the metrics.
        label = classes.index(hit.activity) if hit and hit.activity in classes else -1
        samples.append(SampleRecord(file_id or stem_id(video), str(video), start, start + window, label,
                                    hit.activity if hit else "", hit.annotation_id if hit else -1, -1))
    return Job("sweep", f"sweep {video.name} window {window} stride {stride}", tuple(samples),
               {"video": video.name, "window": window, "stride": stride}, ann_hash, videos_hash([video]), {},
               notes=notes)


def samples_near(samples: Iterable[SampleRecord], frame: int, span: int) -> list[int]:
    """Indices of the samples whose centre lies within ``span`` frames of ``frame`` (a sweep around the playhead)."""
    return [i for i, s in enumerate(samples) if abs((s.frame_start + s.frame_end) / 2 - frame) <= span]


def stem_id(video: Path) -> str:
    """``vpN/<run>.<sensor>`` when the video sits in a participant folder, else its stem."""
    stem = video.name.rsplit(".", 1)[0]
    return f"{video.parent.name}/{stem}" if video.parent.name.startswith("vp") else stem


def run_identity(job: Job, spec: ModelSpec, model_name: str, checkpoint_sha256: str, cam_mode: str,
                 source: str = "", precision: str = "float32") -> tuple[dict, dict]:
    """(identity, extra) of the run of this model on this job: the identity decides the run's key.

    A forward pass autocast to bfloat16/float16 gives other numbers, so it is another run; float32
    adds nothing to the identity, so the runs of earlier versions are found again.
    """
    identity = {
        "checkpoint_sha256": checkpoint_sha256, "dataset_hash": job.dataset_hash, "annotation_hash": job.annotation_hash,
        "spec": spec.to_dict(), "cam_mode": cam_mode, "cam_layer": spec.cam_layer,
        "params": {**job.params, "kind": job.kind},
    }
    if precision != "float32":
        identity["precision"] = precision
    extra = {"kind": job.kind, "model": model_name, "arch": spec.arch, "classes": spec.classes,
             "train_counts": job.train_counts, "source": source,
             "notes": {"train_source": job.train_source, "skipped": [p.to_list() for p in job.skipped]}}
    return identity, extra


def open_run(store: Store, job: Job, spec: ModelSpec, model_name: str, checkpoint_sha256: str, cam_mode: str,
             source: str = "", precision: str = "float32") -> int:
    """The run of this model on this job in the store (created, or found again to resume)."""
    identity, extra = run_identity(job, spec, model_name, checkpoint_sha256, cam_mode, source, precision)
    # two runs of a model that differ in their maps differ in name
    return store.begin_run(identity, f"{model_with_method(model_name, cam_mode)}: {job.name}", job.samples, extra)


def session_sweep_jobs(root: str | Path, spec: ModelSpec, *, view: str | None = None, level: str = "midlevel",
                       window: int | None = None, stride: int | None = None,
                       video_root: str | Path | None = None) -> list[Job]:
    """A sweep of every session video of a dataset's view, labelled from the view's all-rows annotation file.

    The sessions are the videos its annotation files name (every split and subset of the level);
    a missing video is reported with the others before anything runs.
    """
    index = discover(root)
    if not index.named:  # one segments CSV of the user's own: its rows label its videos
        sel = select_rows(root, video_root=video_root)
        videos = resolve_videos(sel.annotations, sel.video_root, None)
        ids = session_ids(videos)
        return [sweep_job(videos[file_id], spec, window=window, stride=stride, annotations=sel.file.path,
                          file_id=ids[file_id]) for file_id in sorted(videos)]
    view = view or index.views()[0]
    files = index.select(view=view, level=level)
    if not files:
        raise InputError(index.root, f"no annotation files for {view}/{level}")
    rows = [row for f in files for row in index.load(f)]
    videos = resolve_videos(rows, video_root or index.root, view)
    labels = next((f.path for f in files if f.split is None), None)  # <level>.chunks_90.csv: every row
    ids = session_ids(videos)
    return [sweep_job(videos[file_id], spec, window=window, stride=stride, annotations=labels,
                      file_id=ids[file_id]) for file_id in sorted(videos)]
