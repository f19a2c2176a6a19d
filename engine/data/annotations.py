"""Read annotation CSVs (Drive&Act's format or a generic segments file) into ``Segment`` records.

Every problem is reported with the file, the line and what is wrong, because users meet these
files hand-edited or exported by other tools. Rows that merely look unusual (a 4-frame chunk at
the end of an annotation, a 97-frame chunk) are valid: real Drive&Act files contain them.

What spreadsheets write is read as it is: UTF-8 with or without a byte-order mark, UTF-16 with
one (Excel's "Unicode text"), and ``;`` or tab instead of ``,`` (locales with a decimal comma).
A row that repeats an earlier one exactly is kept once and reported with both line numbers, so
it is never counted twice in the metrics.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cabinlens.engine.data.records import Segment
from cabinlens.engine.data.videos import normalise_video_path
from cabinlens.engine.errors import InputError

DRIVEACT_COLUMNS = ("participant_id", "file_id", "annotation_id", "frame_start", "frame_end", "chunk_id")
LABEL_COLUMNS = ("activity", "action", "label")
GENERIC_COLUMNS = ("video", "frame_start", "frame_end", "label")
#: Columns a generic file may have besides the required ones: ``subset`` (train/val/test) selects
#: rows for an analysis and gives the training counts of the common/rare split.
GENERIC_OPTIONAL = ("subset",)
SUBSET_VALUES = ("train", "val", "test")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


class AnnotationError(InputError):
    """A malformed annotation file (missing columns, bad numbers, bad encoding, empty)."""


@dataclass(frozen=True)
class Annotations:
    """The rows of one annotation file, in file order, plus where they came from."""

    path: Path
    segments: tuple[Segment, ...]
    kind: str  # "driveact" or "generic"
    label_column: str
    delimiter: str = ","
    encoding: str = "utf-8"
    duplicates: tuple[tuple[int, int], ...] = ()  # (line of the repeat, line it repeats), dropped

    @property
    def read_as(self) -> str:
        """How the file was read, when it is not plain comma-separated UTF-8 (for summaries)."""
        parts = []
        if self.encoding != "utf-8":
            parts.append(self.encoding)
        if self.delimiter != ",":
            parts.append(f"{DELIMITERS[self.delimiter]}-separated")
        return ", ".join(parts)

    def duplicates_text(self, limit: int = 8) -> str:
        """``3 duplicated rows ignored (line 7 = line 5, ...)``, or '' without duplicates."""
        if not self.duplicates:
            return ""
        shown = ", ".join(f"line {a} = line {b}" for a, b in self.duplicates[:limit])
        more = " ..." if len(self.duplicates) > limit else ""
        return f"{len(self.duplicates)} duplicated row(s) ignored ({shown}{more})"

    def subsets(self) -> list[str]:
        """The values of a generic file's ``subset`` column, in train/val/test order ([] without one)."""
        found = {s.extra_value("subset") for s in self.segments} - {None, ""}
        return sorted(found, key=lambda v: (SUBSET_VALUES.index(v) if v in SUBSET_VALUES else 9, v))

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

    def filter(self, *, classes: Iterable[str] | None = None, subset: str | None = None) -> Annotations:
        """The rows of these classes and (a generic file's ``subset`` column) of this subset."""
        keep = set(classes) if classes is not None else None
        rows = tuple(s for s in self.segments if (keep is None or s.activity in keep)
                     and (subset is None or s.extra_value("subset") == subset))
        return replace(self, segments=rows)


def read_annotations(path: str | Path) -> Annotations:
    """Read a Drive&Act annotation CSV or a generic ``video,frame_start,frame_end,label`` CSV."""
    path = Path(path)
    text, encoding = _read_text(path)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise AnnotationError(path, "the file is empty (no header line)", line=1) from None
    except csv.Error as exc:
        raise AnnotationError(path, f"not a readable CSV: {exc}", line=1) from None
    header = [h.strip().lower() for h in header]
    if not any(header):
        raise AnnotationError(path, "the header line is empty", line=1)
    duplicated = [h for h, n in Counter(header).items() if n > 1]
    if duplicated:
        raise AnnotationError(path, f"duplicated column(s) {', '.join(duplicated)}", line=1)

    kind = _intended_format(header)
    if kind == "generic":
        label = "label"
        required: Sequence[str] = GENERIC_COLUMNS
    else:
        label = next((c for c in LABEL_COLUMNS if c in header), "activity")
        required = (*DRIVEACT_COLUMNS, label)
    missing = [c for c in required if c not in header]
    if missing:
        raise AnnotationError(path, _missing_message(kind, missing, header, delimiter), line=1)
    malformed: list[AnnotationError] = []
    segments, duplicates = _unique(_parse_rows(path, reader, header, kind, label, malformed))
    if malformed:
        raise _all_at_once(path, malformed)
    if not segments:
        raise AnnotationError(path, "the file has a header but no rows")
    return Annotations(path, segments, kind, label, delimiter, encoding, duplicates)


def _intended_format(header: list[str]) -> str:
    """Which format a header is trying to be, by the columns it has of each (``file_id`` decides)."""
    if "file_id" in header:
        return "driveact"
    generic = sum(c in header for c in GENERIC_COLUMNS)
    driveact = sum(c in header for c in (*DRIVEACT_COLUMNS, *LABEL_COLUMNS[:2]))
    return "generic" if generic >= driveact else "driveact"


def _missing_message(kind: str, missing: list[str], header: list[str], delimiter: str) -> str:
    if kind == "generic":
        want = f"a generic segments file needs {', '.join(GENERIC_COLUMNS)} (optional: {', '.join(GENERIC_OPTIONAL)})"
    else:
        want = f"a Drive&Act annotation file needs {', '.join(DRIVEACT_COLUMNS)}, activity"
    found = ", ".join(header) if len(header) > 1 else repr(header[0])
    hint = ""
    if len(header) == 1:
        seps = [name for sep, name in DELIMITERS.items() if sep != delimiter and sep in header[0]]
        hint = f"; the header holds no {DELIMITERS[delimiter]}" + (f" but a {seps[0]}" if seps else "")
    return f"missing column(s) {', '.join(missing)}: {want}; found {found}{hint}"


def _delimiter(text: str) -> str:
    """``,``, ``;`` or tab: the one the header line splits on most (ties go to the comma)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in DELIMITERS}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


def _unique(rows: Iterable[Segment]) -> tuple[tuple[Segment, ...], tuple[tuple[int, int], ...]]:
    """Rows without exact repeats, and (repeat line, first line) of each repeat."""
    first_line: dict[tuple, int] = {}
    kept: list[Segment] = []
    repeats: list[tuple[int, int]] = []
    for seg in rows:
        key = (seg.participant, seg.file_id, seg.frame_start, seg.frame_end, seg.activity, seg.chunk_id, seg.extra,
               seg.annotation_id if seg.participant is not None else None)
        if key in first_line:
            repeats.append((seg.line, first_line[key]))
            continue
        first_line[key] = seg.line
        kept.append(seg)
    return tuple(kept), tuple(repeats)


def _read_text(path: Path) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (BOM or not) or UTF-16 with a BOM."""
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
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise AnnotationError(path, "is not valid UTF-16 text although it starts like it; save it as UTF-8") from None
    if b"\x00" in data[:4096]:
        looks_utf16 = data[1:4096:2].count(0) > 0.4 * len(data[1:4096:2]) or data[0:4096:2].count(0) > 0.4 * len(
            data[0:4096:2])
        if looks_utf16:
            raise AnnotationError(path, "is UTF-16 text without a byte-order mark: save it as UTF-8")
        raise AnnotationError(path, "is a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AnnotationError(
            path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line=line
        ) from None


SHOWN_ROWS = 25  # malformed rows listed in one message; the rest are counted


def _all_at_once(path: Path, malformed: list[AnnotationError]) -> AnnotationError:
    """One error for every malformed row (a user fixes them in one go, not one per run)."""
    if len(malformed) == 1:
        return malformed[0]
    listed = [f"  {path.name}:{e.line}: {e.problem}" for e in malformed[:SHOWN_ROWS]]
    if len(malformed) > SHOWN_ROWS:
        listed.append(f"  ... and {len(malformed) - SHOWN_ROWS} more")
    return AnnotationError(path, "\n".join([f"{len(malformed)} malformed rows:", *listed]))


def _parse_rows(
    path: Path, reader: Iterator[list[str]], header: list[str], kind: str, label: str,
    malformed: list[AnnotationError],
) -> Iterator[Segment]:
    """The rows as segments; a malformed row goes to ``malformed`` and reading goes on."""
    col = {name: i for i, name in enumerate(header)}
    known = set(GENERIC_COLUMNS if kind == "generic" else (*DRIVEACT_COLUMNS, label))
    if kind == "generic" and "participant_id" in col:
        known.add("participant_id")
    extra_cols = [(name, i) for name, i in col.items() if name not in known and name]
    line = 1
    try:
        for index, row in enumerate(reader):
            line = reader.line_num  # type: ignore[attr-defined]
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines are harmless
            try:
                yield _segment(path, row, col, kind, label, extra_cols, index, line)
            except AnnotationError as exc:
                malformed.append(exc)
    except csv.Error as exc:
        raise AnnotationError(path, f"not a readable CSV: {exc}", line=line + 1) from None


def _segment(path: Path, row: list[str], col: dict[str, int], kind: str, label: str,
             extra_cols: list[tuple[str, int]], index: int, line: int) -> Segment:
    """One row as a segment, or an AnnotationError naming its line and what is wrong."""
    if len(row) != len(col):
        raise AnnotationError(
            path, f"expected {len(col)} fields, found {len(row)}", line=line
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
        extra = tuple((name, row[i].strip()) for name, i in extra_cols)
        subset = dict(extra).get("subset")
        if subset is not None and subset not in SUBSET_VALUES and subset != "":
            raise AnnotationError(path, f"column subset must be train, val or test, found {subset!r}",
                                  line=line)
        participant = integer("participant_id") if "participant_id" in col else None
        video = normalise_video_path(video)
        return Segment(participant, video, index, start, end, activity, 0, extra=extra, line=line)
    file_id = row[col["file_id"]].strip()
    if not file_id:
        raise AnnotationError(path, "column file_id is empty", line=line)
    return Segment(
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

