"""What decoding has revealed about a file's damage, kept per file in memory and on disk.

A decode pass over a damaged 30-minute session costs minutes, and what it finds (the pictures
the decoder really outputs) is the same every time: it is kept for every reader of the file in
this process, and on disk (``$CABINLENS_CACHE`` or the user's cache folder; ``CABINLENS_CACHE=``
turns that off) so the next command or window session starts exact. A file is known by its real
path, size and modification time, so a rewritten file is never read with stale facts. Clean
files store nothing; looking one up costs one ``stat``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from cabinlens.engine.video.damage import Damage
from cabinlens.engine.video.decode_pass import DecodeResult, damage_of, decode_pass, verify_pass
from cabinlens.engine.video.errors import VideoError
from cabinlens.engine.video.packet_index import DemuxScan

FileKey = tuple[str, int, int]

_FORMAT = "v1"
_MEMORY_FILES = 256


@dataclass(frozen=True)
class FileFacts:
    """Timestamps seen missing in the demux-numbered part, and the latest decode pass (if any)."""

    missing: frozenset[int] = frozenset()
    tail: DecodeResult | None = None
    version: int = 0

    @property
    def empty(self) -> bool:
        return not self.missing and self.tail is None


_lock = threading.Lock()
_memory: OrderedDict[FileKey, FileFacts] = OrderedDict()
_pass_locks: dict[FileKey, threading.Lock] = {}
_versions = itertools.count(1)


def covers(known: FileFacts, start_pts: int | None) -> bool:
    """Whether a recorded decode pass already numbers the stream from ``start_pts`` on."""
    tail = known.tail
    return tail is not None and (tail.start_pts is None or (start_pts is not None and tail.start_pts <= start_pts))


def file_key(path: Path) -> FileKey | None:
    try:
        st = path.stat()
        return (os.path.realpath(path), int(st.st_size), int(st.st_mtime_ns))
    except OSError:
        return None


def cache_dir() -> Path | None:
    configured = os.environ.get("CABINLENS_CACHE")
    if configured is not None:
        return Path(configured).expanduser() / "video" if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cabinlens" / "video"


def _disk_path(key: FileKey) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(f"{_FORMAT}\0{key[0]}\0{key[1]}\0{key[2]}".encode()).hexdigest()[:32]
    return folder / f"{digest}.npz"


def facts(key: FileKey | None) -> FileFacts:
    """The facts known about a file (from memory, else from disk), empty when none."""
    if key is None:
        return FileFacts()
    with _lock:
        known = _memory.get(key)
        if known is not None:
            _memory.move_to_end(key)
            return known
    loaded = _load(key) or FileFacts()
    with _lock:
        known = _memory.setdefault(key, loaded)
        _trim()
    return known


def add_missing(key: FileKey | None, pts: Iterable[int]) -> FileFacts:
    """Record pictures the decoder did not produce where demuxing numbered them."""
    with _lock:
        old = _memory.get(key, FileFacts()) if key is not None else FileFacts()
        new = FileFacts(old.missing | frozenset(int(p) for p in pts), old.tail, next(_versions))
        if key is not None:
            _memory[key] = new
    _save(key, new)
    return new


def set_tail(key: FileKey | None, tail: DecodeResult) -> FileFacts:
    """Record a decode pass; it replaces what is known from its keyframe on."""
    with _lock:
        old = _memory.get(key, FileFacts()) if key is not None else FileFacts()
        keep = frozenset() if tail.start_pts is None else frozenset(p for p in old.missing if p < tail.start_pts)
        new = FileFacts(keep, tail, next(_versions))
        if key is not None:
            _memory[key] = new
    _save(key, new)
    return new


def decoded_from(key: FileKey | None, path: Path, start_pts: int | None) -> FileFacts:
    """The facts with a decode pass from ``start_pts`` on, made now unless one already covers it."""
    with one_pass_at_a_time(key):
        known = facts(key)
        if covers(known, start_pts):
            return known  # another reader of the file decoded it meanwhile
        try:
            result = decode_pass(path, start_pts)
        except av.FFmpegError as exc:
            raise VideoError(path, f"cannot be decoded ({exc})") from None
        return set_tail(key, result)


def verified(key: FileKey | None, path: Path, scan: DemuxScan) -> tuple[FileFacts, Damage]:
    """Decode every packet; record the pass unless it shows the demux numbering exact."""
    known = facts(key)
    try:
        result, clean = verify_pass(path, scan)
    except av.FFmpegError as exc:
        raise VideoError(path, f"cannot be decoded ({exc})") from None
    if not (clean and known.empty):
        known = set_tail(key, result)
    return known, damage_of(scan, frozenset(), result)


@contextlib.contextmanager
def one_pass_at_a_time(key: FileKey | None) -> Iterator[None]:
    """Readers opened at once on one damaged file (thumbnails, prefetch threads) decode it once."""
    if key is None:
        yield
        return
    with _lock:
        lock = _pass_locks.setdefault(key, threading.Lock())
    with lock:
        yield


def forget(key: FileKey | None = None) -> None:
    """Drop facts from memory (all of them without ``key``, and the kept demux scans); the disk copy stays."""
    with _lock:
        if key is None:
            _memory.clear()
        else:
            _memory.pop(key, None)
    if key is None:
        from cabinlens.engine.video import scan_cache  # it names files by this module's keys

        scan_cache.forget()


def _trim() -> None:
    while len(_memory) > _MEMORY_FILES:
        _memory.popitem(last=False)


def _save(key: FileKey | None, known: FileFacts) -> None:
    path = _disk_path(key) if key is not None else None
    if path is None:
        return
    tail = known.tail
    meta = np.array([tail is not None, tail is not None and tail.start_pts is None,
                     (tail.start_pts or 0) if tail else 0, tail.packets if tail else 0, tail.errors if tail else 0],
                    dtype=np.int64)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, meta=meta, missing=np.array(sorted(known.missing), dtype=np.int64),
                 pts=tail.pts if tail else np.empty(0, np.int64), key=tail.key if tail else np.empty(0, bool))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _load(key: FileKey) -> FileFacts | None:
    path = _disk_path(key)
    if path is None:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta, missing, pts, keyflags = (data[k] for k in ("meta", "missing", "pts", "key"))
    except (OSError, ValueError, KeyError, EOFError):
        return None  # none yet, or unreadable: decoding will find out again
    has_tail, from_start, start, packets, errors = (int(v) for v in meta[:5])
    tail = None
    if has_tail:
        tail = DecodeResult(None if from_start else start, pts.astype(np.int64), keyflags.astype(bool), packets, errors)
    return FileFacts(frozenset(int(p) for p in missing), tail, next(_versions))
