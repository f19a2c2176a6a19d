"""Which rows an analysis takes from a dataset, and where its common/rare split comes from.

Two kinds of dataset come in: Drive&Act's layout (views, levels, splits, subsets in the file
names) and a single segments CSV of the user's own (every row, or the rows of one value of its
optional ``subset`` column). Both end as one ``RowSelection``: the rows, a name, the folder their
videos are relative to, the training counts with their provenance, and what the user should hear
about the files (ignored files, repeated rows, an unusual encoding or separator).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.data.annotations import SUBSET_VALUES, AnnotationError, Annotations, read_annotations
from cabinlens.engine.data.layout import AnnotationFile, DatasetIndex, discover
from cabinlens.engine.errors import InputError
from cabinlens.engine.wording import count

COUNT_LABEL_COLUMNS = ("label", "activity", "class", "action")
COUNT_COLUMNS = ("count", "train_count", "n", "frequency", "samples")


@dataclass(frozen=True)
class TrainingCounts:
    """Training samples per class, and where they come from ('' and {} when there are none)."""

    counts: dict[str, int]
    source: str

    @property
    def known(self) -> bool:
        return any(self.counts.values())

    def describe(self) -> str:
        """The line reports and summaries print under the common/rare split."""
        if self.known:
            return f"common/rare by training frequency from {self.source}"
        return ("no training subset: common/rare is not computed (give the training file or a label,count CSV "
                "with --train-counts)")


NO_TRAINING = TrainingCounts({}, "")


@dataclass(frozen=True)
class RowSelection:
    annotations: Annotations  # the rows to analyse, in file order
    file: AnnotationFile
    name: str  # e.g. "a_column_co_driver/midlevel split 0 test" or "segments.csv all rows"
    params: dict  # what identifies the selection in a run's key
    video_root: Path  # videos are looked up relative to this folder
    view: str | None  # Drive&Act view (its folder under the video root), None for a generic file
    training: TrainingCounts
    notes: tuple[str, ...] = ()


def read_train_counts(path: str | Path) -> TrainingCounts:
    """Training counts from an annotation file (its train rows when it has a subset column, else every
    row) or from a two-column ``label,count`` CSV."""
    path = Path(path)
    try:
        ann = read_annotations(path)
    except AnnotationError as first:
        counts = _label_count_csv(path)
        if counts is None:
            raise InputError(path, f"is neither an annotation file nor a label,count CSV ({first.problem})") from None
        return TrainingCounts(counts, f"{path.name} (label,count)")
    if "train" in ann.subsets():
        return train_rows_counts(ann)
    return TrainingCounts(dict(ann.class_counts()), f"{path.name} ({count(len(ann), 'row')})")


def train_rows_counts(ann: Annotations) -> TrainingCounts:
    """The training counts of a segments file's own ``train`` rows (none without them)."""
    if "train" not in ann.subsets():
        return NO_TRAINING
    train = ann.filter(subset="train")
    return TrainingCounts(dict(train.class_counts()), f"the train rows of {ann.path.name} ({count(len(train), 'row')})")


def _label_count_csv(path: Path) -> dict[str, int] | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if text.count(";") > text.count(",") else ","))
    if not rows:
        return None
    header = [h.strip().lower() for h in rows[0]]
    label = next((header.index(c) for c in COUNT_LABEL_COLUMNS if c in header), None)
    count = next((header.index(c) for c in COUNT_COLUMNS if c in header), None)
    if label is None or count is None:
        return None
    counts: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            counts[row[label].strip()] = counts.get(row[label].strip(), 0) + int(row[count])
        except (ValueError, IndexError):
            raise InputError(path, f"column {header[count]} must be an integer", line=line) from None
    return counts


def select_rows(root: str | Path, *, view: str | None = None, level: str = "midlevel", split: int | None = None,
                subset: str | None = None, video_root: str | Path | None = None,
                train_counts: str | Path | None = None) -> RowSelection:
    """The rows an analysis of ``root`` takes.

    Drive&Act layout: one view/level/split/subset file (defaults: the first view, split 0, test).
    A single CSV of another name: every row, or with ``subset`` the rows of that ``subset`` value;
    its videos are relative to the CSV's folder unless ``video_root`` says otherwise.
    """
    path = Path(root)
    index = discover(path)
    notes = [text for text in (index.ignored_text(),) if text]
    if path.is_file() and index.files[0].named:
        sel = _named_file(index, index.files[0], subset, video_root)
    elif index.named:
        sel = _layout(index, view, level, split, subset, video_root)
    else:
        sel = _generic(index, subset, video_root)
    ann = sel.annotations
    notes += [text for text in (f"{sel.file.path.name}: read as {ann.read_as}" if ann.read_as else "",
                                f"{sel.file.path.name}: {ann.duplicates_text()}" if ann.duplicates else "") if text]
    training = read_train_counts(train_counts) if train_counts is not None else sel.training
    return RowSelection(ann, sel.file, sel.name, sel.params, sel.video_root, sel.view, training, tuple(notes))


def _training_of(index: DatasetIndex, view: str, level: str, split: int | None) -> TrainingCounts:
    if split is None:
        return NO_TRAINING
    found = index.select(view=view, level=level, split=split, subset="train")
    if not found:
        return NO_TRAINING
    train = index.load(found[0])
    return TrainingCounts(dict(train.class_counts()), f"the training subset {found[0].path.name} ({count(len(train), 'row')})")


def _layout(index: DatasetIndex, view: str | None, level: str, split: int | None, subset: str | None,
            video_root: str | Path | None) -> RowSelection:
    views = index.views()
    if view is not None and view not in views:
        raise InputError(index.root, f"has no view {view!r}; views: {', '.join(views)}")
    view = view or views[0]
    split = 0 if split is None else split
    subset = subset or "test"
    file = index.find(view=view, level=level, split=split, subset=subset)
    return RowSelection(index.load(file), file, f"{view}/{level} split {split} {subset}",
                        {"view": view, "level": level, "split": split, "subset": subset},
                        Path(video_root) if video_root else index.root, view,
                        _training_of(index, view, level, split))


def _named_file(index: DatasetIndex, file: AnnotationFile, subset: str | None,
                video_root: str | Path | None) -> RowSelection:
    """A Drive&Act-named CSV given by itself: that file; its training file from the same folder."""
    if subset is not None and file.subset not in (None, subset):
        raise InputError(file.path, f"is the {file.subset} subset, not {subset}")
    part = "all rows" if file.split is None else f"split {file.split} {file.subset}"
    training = NO_TRAINING
    if file.split is not None:
        beside = discover(file.path.parent)
        training = _training_of(beside, file.view, file.level, file.split) if beside.named else NO_TRAINING
    # The layout puts a view's CSVs in <root>/.../<view>/ and its videos in <video_root>/<view>/.
    return RowSelection(index.load(file), file, f"{file.view}/{file.level} {part}",
                        {"view": file.view, "level": file.level, "split": file.split, "subset": file.subset},
                        Path(video_root) if video_root else file.path.parent, file.view, training)


def _generic(index: DatasetIndex, subset: str | None, video_root: str | Path | None) -> RowSelection:
    if len(index.files) > 1:
        names = ", ".join(str(f.path.relative_to(index.root)) for f in index.files[:8])
        raise InputError(index.root, f"holds {len(index.files)} CSV files and none follows Drive&Act's naming "
                                     f"scheme; give one of them: {names}")
    file = index.files[0]
    ann = index.load(file)
    subsets = ann.subsets()
    if subset is not None:
        if not subsets:
            raise InputError(file.path, f"has no subset column, so there is no {subset} subset: without --subset "
                                        "every row is analysed")
        if subset not in subsets:
            raise InputError(file.path, f"has no rows of subset {subset} (subsets: {', '.join(subsets)})")
    training = train_rows_counts(ann)
    rows = ann.filter(subset=subset) if subset else ann
    return RowSelection(rows, file, f"{file.path.name} {subset or 'all rows'}",
                        {"file": file.path.name, "subset": subset or "all"},
                        Path(video_root) if video_root else file.path.parent, None, training)


__all__ = ["NO_TRAINING", "SUBSET_VALUES", "RowSelection", "TrainingCounts", "read_train_counts", "select_rows"]
