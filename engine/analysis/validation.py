"""Check every row of an analysis before anything runs, and say everything that is wrong at once.

A row is analysable when its video exists and can be read, its frames lie inside the frames
sequential decoding yields, and its label is one of the model's classes. Finding these one at a
time (an error in batch 40 of an overnight run) wastes an evening; they are listed together with
the CSV line of each, and ``--skip-invalid`` analyses the rest, keeping the list for the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.data.records import Segment
from cabinlens.engine.errors import CabinLensError, InputError
from cabinlens.engine.wording import count, plural

SHOWN = 25  # problems listed in a message; the rest are counted
LABEL_PROBLEM = "label "


@dataclass(frozen=True)
class RowProblem:
    """Why one annotation row cannot be analysed."""

    line: int
    file_id: str
    problem: str

    def to_list(self) -> list:
        return [self.line, self.file_id, self.problem]


class InvalidRowsError(InputError):
    """Some rows cannot be analysed; lists them all (file and line) and how to go on without them."""

    def __init__(self, path: Path, problems: Sequence[RowProblem], total: int, preface: str = "") -> None:
        self.problems = list(problems)
        # Rows with a label the model does not know are summed up by label in the preface.
        listed = [p for p in self.problems if not (preface and p.problem.startswith(LABEL_PROBLEM))]
        lines = [f"  {path.name}:{p.line}: {p.file_id}: {p.problem}" for p in listed[:SHOWN]]
        if len(listed) > SHOWN:
            lines.append(f"  ... and {len(listed) - SHOWN} more")
        rest = total - len({p.line for p in self.problems})
        advice = (f"--skip-invalid analyses the other {count(rest, 'row')} and the report lists these" if rest > 0
                  else "no row can be analysed")
        bad = len({p.line for p in self.problems})
        head = f"{bad} of {total} {plural(total, 'row')} cannot be analysed ({advice})"
        super().__init__(path, "\n".join(filter(None, [preface, head, *lines])))


def frame_counts(videos: dict[str, Path], workers: int = 4) -> dict[str, int | str]:
    """file_id -> frames that sequential decoding yields, or the reason the video cannot be read."""
    from cabinlens.engine.video.reader import probe

    def one(item: tuple[str, Path]) -> tuple[str, int | str]:
        file_id, path = item
        try:
            return file_id, probe(path).frame_count
        except CabinLensError as exc:
            return file_id, f"the video cannot be read: {getattr(exc, 'problem', exc)}"

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(videos)))) as pool:
        return dict(pool.map(one, sorted(videos.items())))


def row_problems(rows: Sequence[Segment], videos: dict[str, Path], missing: dict[str, list[Path]],
                 counts: dict[str, int | str], classes: Sequence[str] | None) -> list[RowProblem]:
    """Every reason any row cannot be analysed, in file order (a row may have several)."""
    known = set(classes) if classes is not None else None
    out: list[RowProblem] = []
    for s in rows:
        if s.file_id in missing:
            out.append(RowProblem(s.line, s.file_id, f"video not found (looked for {missing[s.file_id][0]})"))
        else:
            count = counts.get(s.file_id)
            if isinstance(count, str):
                out.append(RowProblem(s.line, s.file_id, count))
            elif count is not None and s.frame_end > count:
                name = Path(videos[s.file_id]).name
                first = max(s.frame_start, count)
                out.append(RowProblem(s.line, s.file_id, f"frames {first}..{s.frame_end - 1} of [{s.frame_start}, "
                                                         f"{s.frame_end}) are past the end of {name}, which has "
                                                         f"{count} frames (0..{count - 1})"))
        if known is not None and s.activity not in known:
            out.append(RowProblem(s.line, s.file_id, f"{LABEL_PROBLEM}{s.activity!r} is not one of the model's classes"))
    return out


def unknown_labels_text(annotations: Iterable[Segment], classes: Sequence[str], class_source: str = "") -> str:
    """``the model does not know 2 of the file's labels: a (12 rows), b (3 rows)`` ('' when it knows all)."""
    rows = list(annotations)
    counts = Counter(s.activity for s in rows)
    unknown = sorted((c for c in counts if c not in set(classes)), key=lambda c: -counts[c])
    if not unknown:
        return ""
    lines: dict[str, list[int]] = {}
    for s in rows:
        if s.activity in unknown and s.line:
            lines.setdefault(s.activity, []).append(s.line)
    shown = ", ".join(_unknown_label(c, counts[c], lines.get(c, []), classes) for c in unknown[:10]) \
        + (" ..." if len(unknown) > 10 else "")
    source = f"; its {len(classes)} class names come from {class_source}" if class_source else \
        f"; it has {len(classes)} classes"
    return f"the model does not know {len(unknown)} of the file's {len(counts)} labels: {shown}{source}"


def _unknown_label(label: str, count: int, lines: list[int], classes: Sequence[str]) -> str:
    """``Eating (2 rows, lines 3, 9; did you mean eating?)``: where it is, and the class it most likely means."""
    where = ""
    if lines:
        where = f", line{'s' if len(lines) > 1 else ''} " + ", ".join(map(str, lines[:5])) + \
            (" ..." if len(lines) > 5 else "")
    guess = closest_class(label, classes)
    meant = f"; did you mean {guess}?" if guess else ""
    return f"{label} ({count} row{'s' if count != 1 else ''}{where}{meant})"


def closest_class(label: str, classes: Sequence[str]) -> str | None:
    """The class a mistyped label most likely means: the same but for case, spaces or dashes, else a close
    spelling (difflib); None when nothing is close."""
    import difflib

    def key(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    same = [c for c in classes if key(c) == key(label)]
    if same:
        return same[0]
    close = difflib.get_close_matches(label.lower(), [c.lower() for c in classes], n=1, cutoff=0.8)
    return next((c for c in classes if c.lower() == close[0]), None) if close else None
