"""The project store: one SQLite file (``*.cabinlens``, WAL) holding every run of every model.

A run is identified by what determines its results (model weights, dataset and annotations,
input spec, CAM settings, what was analysed): the same command finds its run again and resumes
it, a changed checkpoint or annotation file starts a new run instead of mixing results. Each
batch is written in one transaction, so a crash loses at most the batch in flight, and the
primary key (run, sample) keeps every sample exactly once. WAL lets the GUI read while an
analysis writes. Arrays are stored as raw little-endian bytes with their dtype fixed per column.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from cabinlens.engine.errors import InputError
from cabinlens.engine.explain.methods import model_with_method
from cabinlens.engine.analysis.relocate import locate_video

SCHEMA_VERSION = 3  # 2: runs.notes; 3: clip_notes (tags and notes of clips, see clip_notes.py)
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    model TEXT NOT NULL, arch TEXT NOT NULL, checkpoint_sha256 TEXT NOT NULL, dataset_hash TEXT NOT NULL,
    annotation_hash TEXT NOT NULL, spec TEXT NOT NULL, cam_mode TEXT NOT NULL, cam_layer TEXT NOT NULL,
    classes TEXT NOT NULL, train_counts TEXT NOT NULL, params TEXT NOT NULL, total INTEGER NOT NULL,
    created REAL NOT NULL, finished REAL, source TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS samples (
    run_id INTEGER NOT NULL REFERENCES runs(id), idx INTEGER NOT NULL, file_id TEXT NOT NULL,
    video TEXT NOT NULL, frame_start INTEGER NOT NULL, frame_end INTEGER NOT NULL, label INTEGER NOT NULL,
    label_name TEXT NOT NULL, annotation_id INTEGER NOT NULL, chunk_id INTEGER NOT NULL,
    PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL, idx INTEGER NOT NULL, logits BLOB NOT NULL, feature BLOB NOT NULL,
    cam_targets BLOB NOT NULL, cams BLOB NOT NULL, cam_shape TEXT NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS cache (
    run_id INTEGER NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS clip_notes (
    file_id TEXT NOT NULL, frame_start INTEGER NOT NULL, frame_end INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '', updated REAL NOT NULL, PRIMARY KEY (file_id, frame_start, frame_end)
);
"""


@dataclass(frozen=True)
class SampleRecord:
    """One clip to analyse: a chunk of an annotation file, or a window of a session sweep."""

    file_id: str
    video: str
    frame_start: int
    frame_end: int
    label: int  # index in the model's classes, -1 when unlabelled
    label_name: str
    annotation_id: int = -1
    chunk_id: int = -1


@dataclass(frozen=True)
class RunInfo:
    id: int
    key: str
    name: str
    kind: str  # "split" or "sweep"
    model: str
    arch: str
    checkpoint_sha256: str
    dataset_hash: str
    annotation_hash: str
    spec: dict
    cam_mode: str
    cam_layer: str
    classes: tuple[str, ...]
    train_counts: dict[str, int]
    params: dict
    total: int
    created: float
    finished: float | None
    source: str = ""  # the checkpoint path or architecture the run was made with (to analyse more)
    notes: dict = field(default_factory=dict)  # train_source, skipped rows [[line, file_id, problem]]
    done: int = 0

    @property
    def shown(self) -> str:
        """The model's name as tables show it: with the method of its maps where that is not the paper's
        Grad-CAM ("videomae (attngrad)"), so two runs of a model that differ only in it can be told apart."""
        return model_with_method(self.model, self.cam_mode)


@dataclass(frozen=True)
class RunResults:
    """Everything a run computed, as arrays in sample order (only samples with results)."""

    indices: np.ndarray  # (N,) sample indices
    logits: np.ndarray  # (N, C) float32
    features: np.ndarray  # (N, D) float16
    labels: np.ndarray  # (N,) int64, -1 unlabelled
    seconds: np.ndarray  # (N,)


SAMPLE_COLUMNS = tuple(f.name for f in fields(SampleRecord))
RUN_COLUMNS = tuple(f.name for f in fields(RunInfo))
JSON_RUN_COLUMNS = ("spec", "classes", "train_counts", "params", "notes")


def run_key(identity: dict) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


class Store:
    """A project file. One instance per thread: SQLite connections are not shared across threads."""

    def __init__(self, path: str | Path, *, readonly: bool = False, wal: bool = True) -> None:
        """``wal=False``: a rollback journal instead of WAL, for a file only one process ever opens
        (a rank's shard store, possibly on a network file system, where WAL's shared memory fails)."""
        self.path = Path(path)
        self.readonly = readonly
        self._located: dict[str, str] = {}  # stored video path -> where it is now
        if self.path.is_dir():  # SQLite would say "unable to open database file"
            raise InputError(self.path, "is a folder; a project is one file (for example results.cabinlens inside it)")
        if readonly and not self.path.exists():
            raise InputError(self.path, "no such project file")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Reading opens read-write but refuses writes (query_only): SQLite removes -wal and -shm when the
        # last connection closes, but a mode=ro connection may not, so each read-only command left them
        # beside the project. mode=rw still opens a write-protected file for reading only.
        uri = f"file:{self.path}?mode=rw" if readonly else f"file:{self.path}"
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=30.0)
            self.db.row_factory = sqlite3.Row  # rows read by column name, never by position
            self.db.execute("PRAGMA busy_timeout = 30000")
            if readonly:
                self.db.execute("PRAGMA query_only = ON")
            version = self.db.execute("PRAGMA user_version").fetchone()["user_version"]
            tables = {r["name"] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise InputError(self.path, f"is not a CabinLens project ({exc})") from None
        if readonly and not tables:
            self.db.close()
            raise InputError(self.path, "is empty or not a CabinLens project (it holds no tables)")
        if tables and "runs" not in tables:
            self.db.close()
            raise InputError(self.path, "is an SQLite file but not a CabinLens project")
        if version > SCHEMA_VERSION:
            self.db.close()
            raise InputError(self.path, f"was written by a newer CabinLens (schema {version} > {SCHEMA_VERSION})")
        if not readonly:
            self.db.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
            self.db.execute("PRAGMA synchronous = NORMAL")
            with self.db:
                self.db.executescript(SCHEMA)
                columns = {r["name"] for r in self.db.execute("PRAGMA table_info(runs)")}
                # a schema 2 project gains the clip_notes table from SCHEMA (CREATE TABLE IF NOT EXISTS)
                if "notes" not in columns:  # a schema 1 project: add the column, nothing else changes
                    self.db.execute("ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '{}'")
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------- runs
    def begin_run(self, identity: dict, name: str, samples: Sequence[SampleRecord], extra: dict) -> int:
        """The run for ``identity``: found again (resume) or created with its samples."""
        key = run_key(identity)
        row = self.db.execute("SELECT id, total FROM runs WHERE key = ?", (key,)).fetchone()
        if row is not None:
            if row["total"] != len(samples):
                raise InputError(self.path, f"run {name!r} holds {row['total']} samples but {len(samples)} were given")
            return int(row["id"])
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (key, name, kind, model, arch, checkpoint_sha256, dataset_hash, annotation_hash, spec,"
                " cam_mode, cam_layer, classes, train_counts, params, total, created, source, notes) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, name, extra["kind"], extra["model"], extra["arch"], identity["checkpoint_sha256"],
                 identity["dataset_hash"], identity["annotation_hash"], json.dumps(identity["spec"]),
                 identity["cam_mode"], identity["cam_layer"], json.dumps(list(extra["classes"])),
                 json.dumps(extra.get("train_counts", {})), json.dumps(identity["params"]), len(samples), time.time(),
                 extra.get("source", ""), json.dumps(extra.get("notes", {}))),
            )
            run_id = int(cur.lastrowid)
            self.db.executemany(
                f"INSERT INTO samples (run_id, idx, {', '.join(SAMPLE_COLUMNS)}) VALUES"
                f" (:run_id, :idx, {', '.join(':' + c for c in SAMPLE_COLUMNS)})",
                [{"run_id": run_id, "idx": i, **asdict(s)} for i, s in enumerate(samples)],
            )
        return run_id

    def finish_run(self, run_id: int) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run_id))

    def runs(self) -> list[RunInfo]:
        rows = self.db.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM results s WHERE s.run_id = r.id) AS done FROM runs r ORDER BY r.id"
        ).fetchall()
        out = []
        for r in rows:
            have = r.keys()  # a read-only schema 1 project has no notes column
            values = {name: r[name] if name in have else "{}" for name in RUN_COLUMNS}
            for name in JSON_RUN_COLUMNS:
                values[name] = json.loads(values[name])
            values["classes"] = tuple(values["classes"])
            out.append(RunInfo(**values))
        return out

    def run(self, run_id: int) -> RunInfo:
        for info in self.runs():
            if info.id == run_id:
                return info
        raise KeyError(f"no run {run_id} in {self.path}")

    def samples(self, run_id: int) -> list[SampleRecord]:
        rows = self.db.execute(f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM samples WHERE run_id = ? ORDER BY idx",
                               (run_id,)).fetchall()
        return [SampleRecord(**{c: (self.locate(r[c]) if c == "video" else r[c]) for c in SAMPLE_COLUMNS}) for r in rows]

    def locate(self, video: str) -> str:
        """Where a stored video is now (``relocate``: a project moved together with its videos still finds them)."""
        found = self._located.get(video)
        if found is None:
            found = self._located[video] = locate_video(video, self.path)
        return found

    def session_videos(self) -> dict[str, str]:
        """file_id -> video of every session any run has samples on."""
        rows = self.db.execute("SELECT file_id, MIN(video) AS video FROM samples GROUP BY file_id").fetchall()
        return {r["file_id"]: self.locate(r["video"]) for r in rows}

    def videos(self) -> list[tuple[str, str]]:
        """Every distinct (file_id, video) of any run's samples (a session's video as each run stored it)."""
        rows = self.db.execute("SELECT DISTINCT file_id, video FROM samples ORDER BY file_id, video").fetchall()
        return [(r["file_id"], self.locate(r["video"])) for r in rows]

    def done(self, run_id: int) -> set[int]:
        return {r["idx"] for r in self.db.execute("SELECT idx FROM results WHERE run_id = ?", (run_id,))}

    # ---------------------------------------------------------------------- results
    def write_batch(self, run_id: int, rows: Iterable[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]]) -> None:
        """(idx, logits, feature, cam_targets, cams, seconds) rows in one transaction."""
        payload = [
            (run_id, idx, np.asarray(lg, "<f4").tobytes(), np.asarray(ft, "<f2").tobytes(),
             np.asarray(tg, "<i4").tobytes(), np.asarray(cm, "<f2").tobytes(), json.dumps(list(np.shape(cm))), sec)
            for idx, lg, ft, tg, cm, sec in rows
        ]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO results (run_id, idx, logits, feature, cam_targets, cams,"
                                " cam_shape, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", payload)

    def results(self, run_id: int) -> RunResults:
        rows = self.db.execute(
            "SELECT r.idx, r.logits, r.feature, s.label, r.seconds FROM results r JOIN samples s"
            " ON s.run_id = r.run_id AND s.idx = r.idx WHERE r.run_id = ? ORDER BY r.idx", (run_id,)
        ).fetchall()
        if not rows:
            return RunResults(np.zeros(0, np.int64), np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float16),
                              np.zeros(0, np.int64), np.zeros(0))
        return RunResults(
            indices=np.array([r["idx"] for r in rows], dtype=np.int64),
            logits=np.stack([np.frombuffer(r["logits"], "<f4") for r in rows]),
            features=np.stack([np.frombuffer(r["feature"], "<f2") for r in rows]),
            labels=np.array([r["label"] for r in rows], dtype=np.int64),
            seconds=np.array([r["seconds"] for r in rows], dtype=np.float64),
        )

    def cams(self, run_id: int, idx: int) -> tuple[np.ndarray, np.ndarray]:
        """(targets (K,), maps (K, T', H', W') float16 at the layer's resolution) of one sample."""
        row = self.db.execute("SELECT cam_targets, cams, cam_shape FROM results WHERE run_id = ? AND idx = ?",
                              (run_id, idx)).fetchone()
        if row is None:
            raise KeyError(f"sample {idx} of run {run_id} has no results yet")
        return (np.frombuffer(row["cam_targets"], "<i4").astype(np.int64),
                np.frombuffer(row["cams"], "<f2").reshape(json.loads(row["cam_shape"])))

    def cam_peaks(self, run_ids: Sequence[int], slot: int = 0) -> np.ndarray:
        """The maximum of CAM ``slot`` (0: the top-1 class) of every sample with results in ``run_ids``."""
        marks = ",".join("?" * len(run_ids))
        peaks = []
        for row in self.db.execute(f"SELECT cams, cam_shape FROM results WHERE run_id IN ({marks})", tuple(run_ids)):
            blob, dims = row["cams"], json.loads(row["cam_shape"])
            size = int(np.prod(dims[1:]))
            if slot < dims[0] and size:
                peaks.append(float(np.frombuffer(blob, "<f2", count=size, offset=2 * size * slot).max()))
        return np.asarray(peaks, dtype=np.float64)

    def result_count(self, run_ids: Sequence[int]) -> int:
        marks = ",".join("?" * len(run_ids))
        query = f"SELECT COUNT(*) AS n FROM results WHERE run_id IN ({marks})"
        return int(self.db.execute(query, tuple(run_ids)).fetchone()["n"])

    # ------------------------------------------------------------------------ merging
    def merge(self, other: str | Path) -> dict[int, int]:
        """Copy the runs, samples and results of another store (a rank's shard) into this one.

        Runs are matched by their key (what identifies their results), so a run already here takes
        the other's results and a new one is created; every sample's result is stored exactly once
        (the primary key), so merging the same file twice changes nothing. One transaction: a crash
        leaves this project as it was. Returns {run id here: results added}.
        """
        other = Path(other)
        runs_columns = ", ".join(c for c in RUN_COLUMNS if c not in ("id", "done", "finished"))  # finished: by count, below
        sample_columns = ", ".join(SAMPLE_COLUMNS)
        before = {r["id"]: r["n"] for r in self.db.execute(
            "SELECT run_id AS id, COUNT(*) AS n FROM results GROUP BY run_id")}
        try:
            self.db.execute("ATTACH DATABASE ? AS shard", (f"file:{other}?mode=ro",))
        except sqlite3.DatabaseError as exc:
            raise InputError(other, f"cannot be read as a shard store ({exc})") from None
        try:
            with self.db:
                self.db.execute(f"INSERT OR IGNORE INTO runs ({runs_columns}) SELECT {runs_columns} FROM shard.runs")
                self.db.execute(
                    f"INSERT OR IGNORE INTO samples (run_id, idx, {sample_columns}) SELECT m.id, s.idx, "
                    f"{', '.join('s.' + c for c in SAMPLE_COLUMNS)} FROM shard.samples s "
                    "JOIN shard.runs o ON o.id = s.run_id JOIN runs m ON m.key = o.key")
                self.db.execute(
                    "INSERT OR IGNORE INTO results (run_id, idx, logits, feature, cam_targets, cams, cam_shape, seconds)"
                    " SELECT m.id, r.idx, r.logits, r.feature, r.cam_targets, r.cams, r.cam_shape, r.seconds"
                    " FROM shard.results r JOIN shard.runs o ON o.id = r.run_id JOIN runs m ON m.key = o.key")
                self.db.execute(
                    "UPDATE runs SET finished = ? WHERE finished IS NULL AND total = "
                    "(SELECT COUNT(*) FROM results s WHERE s.run_id = runs.id)", (time.time(),))
        finally:
            self.db.execute("DETACH DATABASE shard")
        after = {r["id"]: r["n"] for r in self.db.execute(
            "SELECT run_id AS id, COUNT(*) AS n FROM results GROUP BY run_id")}
        return {run: n - before.get(run, 0) for run, n in after.items() if n != before.get(run, 0)}

    def run_by_key(self, key: str) -> int | None:
        row = self.db.execute("SELECT id FROM runs WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row["id"])

    # ------------------------------------------------------------------------ cache
    def cache_get(self, run_id: int, name: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM cache WHERE run_id = ? AND name = ?", (run_id, name)).fetchone()
        return row["value"] if row else None

    def cache_put(self, run_id: int, name: str, value: bytes) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO cache (run_id, name, value) VALUES (?, ?, ?)", (run_id, name, value))
