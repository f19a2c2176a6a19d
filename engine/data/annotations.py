"""Read annotation CSVs (Drive&Act's format or a generic segments file) into ``Segment`` records.

Every problem is reported with the file, the line and what is wrong, because users meet these
files hand-edited or exported by other tools. Rows that merely look unusual (a 4-frame chunk at
the end of an annotation, a 97-frame chunk) are valid: real Drive&Act files contain them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.data.records import Segment
from cabinlens.engine.errors import InputError

DRIVEACT_COLUMNS = ("participant_id", "file_id", "annotation_id", "frame_start", "frame_end", "chunk_id")
LABEL_COLUMNS = ("activity", "action", "label")
GENERIC_COLUMNS = ("video", "frame_start", "frame_end", "label")


class AnnotationError(InputError):
    """A malformed annotation file (missing columns, bad numbers, bad encoding, empty)."""


@dataclass(frozen=True)
class Annotations:
    """The rows of one annotation file, in file order, plus where they came from."""

    path: Path
    segments: tuple[Segment, ...]
    kind: str  # "driveact" or "generic"
    label_column: str

    def __len__(self) -> int:
        return len(self.segments)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def classes(self) -> list[str]:
        return sorted({s.activity for s in self.segments})

    def class_counts(self) -> Counter[str]:
        return Counter(s.activity for s in self.segments)

    def participants(self) -> list[int]:
        return sorted({s.participant for s in self.segments if s.participant is not None})

    def file_ids(self) -> list[str]:
        return sorted({s.file_id for s in self.segments})

    def filter(self, *, classes: Iterable[str] | None = None) -> Annotations:
        keep = set(classes) if classes is not None else None
        rows = tuple(s for s in self.segments if keep is None or s.activity in keep)
        return Annotations(self.path, rows, self.kind, self.label_column)


def read_annotations(path: str | Path) -> Annotations:
    """Read a Drive&Act annotation CSV or a generic ``video,frame_start,frame_end,label`` CSV."""
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise AnnotationError(path, "the file is empty (no header line)", line=1) from None
    except csv.Error as exc:
        raise AnnotationError(path, f"not a readable CSV: {exc}", line=1) from None
    header = [h.strip() for h in header]
    if not any(header):
        raise AnnotationError(path, "the header line is empty", line=1)
    duplicated = [h for h, n in Counter(header).items() if n > 1]
    if duplicated:
        raise AnnotationError(path, f"duplicated column(s) {', '.join(duplicated)}", line=1)

    if all(c in header for c in GENERIC_COLUMNS) and "file_id" not in header:
        kind, label = "generic", "label"
        required: Sequence[str] = GENERIC_COLUMNS
    else:
        kind = "driveact"
        label = next((c for c in LABEL_COLUMNS if c in header), "activity")
        required = (*DRIVEACT_COLUMNS, label)
    missing = [c for c in required if c not in header]
    if missing:
        raise AnnotationError(
            path,
            f"missing column(s) {', '.join(missing)}; found {', '.join(header)}. Expected a "
            f"Drive&Act file ({', '.join(DRIVEACT_COLUMNS)}, activity) or a generic segments "
            f"file ({', '.join(GENERIC_COLUMNS)})",
            line=1,
        )
    segments = tuple(_parse_rows(path, reader, header, kind, label))
    if not segments:
        raise AnnotationError(path, "the file has a header but no rows")
    return Annotations(path, segments, kind, label)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnnotationError(path, "file not found") from None
    except IsADirectoryError:
        raise AnnotationError(path, "is a folder, not a CSV file") from None
    except OSError as exc:
        raise AnnotationError(path, f"cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise AnnotationError(path, "the file is empty", line=1)
    if b"\x00" in data[:4096]:
        raise AnnotationError(path, "is a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AnnotationError(
            path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line=line
        ) from None


def _parse_rows(
    path: Path, reader: Iterator[list[str]], header: list[str], kind: str, label: str
) -> Iterator[Segment]:
    col = {name: i for i, name in enumerate(header)}
    known = set(GENERIC_COLUMNS if kind == "generic" else (*DRIVEACT_COLUMNS, label))
    extra_cols = [(name, i) for name, i in col.items() if name not in known and name]
    line = 1
    try:
        for index, row in enumerate(reader):
            line = reader.line_num  # type: ignore[attr-defined]
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines are harmless
            if len(row) != len(header):
                raise AnnotationError(
                    path, f"expected {len(header)} fields, found {len(row)}", line=line
                )

            def integer(name: str, minimum: int = 0) -> int:
                raw = row[col[name]].strip()
                try:
                    value = int(raw)
                except ValueError:
                    raise AnnotationError(
                        path, f"column {name} must be an integer, found {raw!r}", line=line
                    ) from None
                if value < minimum:
                    raise AnnotationError(
                        path, f"column {name} must be >= {minimum}, found {value}", line=line
                    )
                return value

            start, end = integer("frame_start"), integer("frame_end")
            if end <= start:
                raise AnnotationError(
                    path,
                    f"frame_end ({end}) must be greater than frame_start ({start}); frame_end is "
                    "exclusive",
                    line=line,
                )
            activity = row[col[label]].strip()
            if not activity:
                raise AnnotationError(path, f"column {label} is empty", line=line)
            if kind == "generic":
                video = row[col["video"]].strip()
                if not video:
                    raise AnnotationError(path, "column video is empty", line=line)
                yield Segment(None, video, index, start, end, activity, 0, line=line)
                continue
            file_id = row[col["file_id"]].strip()
            if not file_id:
                raise AnnotationError(path, "column file_id is empty", line=line)
            yield Segment(
                participant=integer("participant_id"),
                file_id=file_id,
                annotation_id=integer("annotation_id"),
                frame_start=start,
                frame_end=end,
                activity=activity,
                chunk_id=integer("chunk_id"),
                extra=tuple((name, row[i].strip()) for name, i in extra_cols),
                line=line,
            )
    except csv.Error as exc:
        raise AnnotationError(path, f"not a readable CSV: {exc}", line=line + 1) from None
