"""Tags and notes a user gives clips, kept in the project (table ``clip_notes``).

A clip is keyed by what it is in the dataset, (file_id, frame_start, frame_end), never by a run's
row: a re-analysis with another checkpoint or model makes a new run over the same clips, and the
tags must still be on them. So a tag belongs to the clip under every model of the project.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from cabinlens.engine.analysis.store import Store

ClipKey = tuple[str, int, int]  # (file_id, frame_start, frame_end)
MAX_TAG = 40  # characters of one tag
MAX_NOTE = 2000  # characters of a note


@dataclass(frozen=True)
class ClipNote:
    file_id: str
    frame_start: int
    frame_end: int
    tags: tuple[str, ...] = ()
    note: str = ""
    updated: float = 0.0

    @property
    def key(self) -> ClipKey:
        return (self.file_id, self.frame_start, self.frame_end)

    @property
    def empty(self) -> bool:
        return not self.tags and not self.note


def parse_tags(text: str | Iterable[str]) -> tuple[str, ...]:
    """Tags from what a user typed ('hard, occluded  ,hard'): trimmed, inner spaces collapsed,
    empty ones and repeats dropped, in the order given. Commas separate tags."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for part in parts:
        tag = re.sub(r"\s+", " ", str(part)).strip()[:MAX_TAG]
        if tag and tag not in out:
            out.append(tag)
    return tuple(out)


def _has_table(store: Store) -> bool:
    """A read-only project of schema 2 or older has no such table: it simply has no tags."""
    row = store.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='clip_notes'").fetchone()
    return row is not None


def read_notes(store: Store) -> dict[ClipKey, ClipNote]:
    """Every tagged or annotated clip of the project."""
    if not _has_table(store):
        return {}
    rows = store.db.execute("SELECT file_id, frame_start, frame_end, tags, note, updated FROM clip_notes"
                            " ORDER BY file_id, frame_start, frame_end").fetchall()
    notes = {}
    for r in rows:
        n = ClipNote(r["file_id"], int(r["frame_start"]), int(r["frame_end"]), parse_tags(json.loads(r["tags"])),
                     r["note"], float(r["updated"]))
        notes[n.key] = n
    return notes


def _note(key: ClipKey, tags: Iterable[str], note: str) -> ClipNote:
    file_id, start, end = key
    return ClipNote(str(file_id), int(start), int(end), parse_tags(tags), str(note).strip()[:MAX_NOTE], time.time())


def _put(store: Store, n: ClipNote) -> None:
    if n.empty:
        store.db.execute("DELETE FROM clip_notes WHERE file_id = ? AND frame_start = ? AND frame_end = ?", n.key)
    else:
        store.db.execute("INSERT OR REPLACE INTO clip_notes (file_id, frame_start, frame_end, tags, note, updated)"
                         " VALUES (?, ?, ?, ?, ?, ?)", (*n.key, json.dumps(list(n.tags)), n.note, n.updated))


def write_notes(store: Store, notes: Iterable[tuple[ClipKey, Iterable[str], str]]) -> list[ClipNote]:
    """Set (replace) the tags and note of each clip, all in one short transaction (a crash keeps all
    or none); no tags and no note removes the clip's row. Returns what is stored now."""
    made = [_note(*item) for item in notes]
    with store.db:
        for n in made:
            _put(store, n)
    return made


def write_note(store: Store, key: ClipKey, tags: Iterable[str], note: str) -> ClipNote:
    """One clip's tags and note (see ``write_notes``)."""
    return write_notes(store, [(key, tags, note)])[0]


def overlapping(notes: dict[ClipKey, ClipNote], file_id: str, start: int, end: int) -> list[ClipNote]:
    """The annotated clips of session ``file_id`` that share a frame with ``[start, end)`` (an export's range)."""
    return [n for n in notes.values() if n.file_id == file_id and n.frame_start < end and start < n.frame_end]
