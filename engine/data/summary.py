"""What an annotation set holds, per subset: the numbers a user checks before training or analysis."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from cabinlens.engine.data.annotations import Annotations
from cabinlens.engine.data.layout import AnnotationFile, DatasetIndex
from cabinlens.engine.data.selection import TrainingCounts, read_train_counts, train_rows_counts
from cabinlens.engine.data.vocabulary import boundary_tie, common_rare_split, frequency_order, tie_note
from cabinlens.engine.errors import InputError
from cabinlens.engine.wording import count


@dataclass(frozen=True)
class SubsetSummary:
    subset: str  # train / val / test / all
    path: str
    rows: int
    classes: int
    participants: list[int]
    files: int
    class_counts: dict[str, int]


@dataclass(frozen=True)
class DatasetSummary:
    root: str
    view: str
    level: str
    split: int | None
    subsets: list[SubsetSummary]
    classes: list[str]  # union over the subsets, alphabetical
    common: list[str]
    rare: list[str]
    missing_by_subset: dict[str, list[str]]  # classes of the union absent from a subset
    split_source: str = ""  # where the training counts of the common/rare split come from ('' = none)
    notes: list[str] = field(default_factory=list)  # ignored files, repeated rows, encoding, separator
    segments_file: str = ""  # a single CSV outside Drive&Act's layout (its subsets: its subset column)

    def to_dict(self) -> dict:
        return asdict(self)


def _pick(options: list, wanted, what: str, index: DatasetIndex, preferred=None):
    if wanted is not None:
        if wanted not in options:
            raise InputError(index.root, f"no {what} {wanted!r}; available: {', '.join(map(str, options)) or 'none'}")
        return wanted
    if not options:
        return None
    if preferred is not None and preferred in options:
        return preferred
    return options[0]


def _subset_summary(name: str, path: str, ann: Annotations) -> SubsetSummary:
    counts = ann.class_counts()
    return SubsetSummary(subset=name, path=path, rows=len(ann), classes=len(counts), participants=ann.participants(),
                         files=len(ann.file_ids()), class_counts={c: counts[c] for c in frequency_order(counts)})


def _notes(index: DatasetIndex, loaded: list[Annotations]) -> list[str]:
    notes = [index.ignored_text()] if index.ignored else []
    for ann in dict.fromkeys(loaded):
        if ann.read_as:
            notes.append(f"{ann.path.name}: read as {ann.read_as}")
        if ann.duplicates:
            notes.append(f"{ann.path.name}: {ann.duplicates_text()}")
    return notes


def summarize(
    index: DatasetIndex, *, view: str | None = None, level: str | None = None, split: int | None = None,
    train_counts: str | None = None,
) -> DatasetSummary:
    """Summarise one view/level/split (defaults: the first view, midlevel, split 0), or a segments CSV
    by the values of its subset column. ``train_counts``: a file that gives the training counts."""
    loaded: list[Annotations] = []
    subsets: list[SubsetSummary] = []
    training: TrainingCounts | None = None
    if not index.named:
        if len(index.files) > 1:
            names = ", ".join(f.path.name for f in index.files[:8])
            raise InputError(index.root, f"holds {len(index.files)} CSV files that do not follow Drive&Act's naming "
                                         f"scheme; give one of them: {names}")
        file = index.files[0]
        ann = index.load(file)
        loaded.append(ann)
        view, level, split = file.view, file.level, None
        for name in ann.subsets():
            subsets.append(_subset_summary(name, str(file.path), ann.filter(subset=name)))
        subsets.append(_subset_summary("all", str(file.path), ann))
        training = train_rows_counts(ann)
    else:
        view = _pick(index.views(), view, "view", index)
        level = _pick(index.levels(view), level, "level", index, preferred="midlevel")
        split = _pick(index.splits(view, level), split, "split", index, preferred=0)
        files: list[AnnotationFile] = []
        if split is not None:
            files += index.select(view=view, level=level, split=split)
        files += index.select(view=view, level=level, split=None)
        for f in files:
            ann = index.load(f)
            loaded.append(ann)
            subsets.append(_subset_summary(f.subset or "all", str(f.path), ann))
            if f.subset == "train":
                training = TrainingCounts(dict(ann.class_counts()), f"the training subset {f.path.name} ({count(len(ann), 'row')})")
    if train_counts is not None:
        training = read_train_counts(train_counts)
    split_subsets = [s for s in subsets if s.subset != "all"] or subsets
    classes = sorted({c for s in split_subsets for c in s.class_counts})
    if training is not None and training.known:
        common, rare = common_rare_split(training.counts, classes)
        source = training.source
    else:
        common, rare, source = [], [], ""
    missing = {
        s.subset: [c for c in classes if c not in s.class_counts]
        for s in split_subsets
        if len(split_subsets) > 1 and any(c not in s.class_counts for c in classes)
    }
    return DatasetSummary(str(index.root), view, level, split, subsets, classes, common, rare, missing, source,
                          _notes(index, loaded), "" if index.named else str(index.files[0].path))


def format_summary(summary: DatasetSummary) -> str:
    """A plain-text report: one table of subsets, then per-class counts with the common/rare mark."""
    split = "" if summary.split is None else f", split {summary.split}"
    if summary.segments_file:
        title = f"{summary.segments_file}: segments file"
    else:
        title = f"{summary.root}: view {summary.view}, level {summary.level}{split}"
    out = [title, ""]
    out.append(f"{'subset':<7} {'rows':>6} {'classes':>7} {'files':>5}  participants")
    for s in summary.subsets:
        out.append(f"{s.subset:<7} {s.rows:>6} {s.classes:>7} {s.files:>5}  {','.join(map(str, s.participants))}")
    for subset, absent in summary.missing_by_subset.items():
        out.append(f"{subset} has no samples of: {', '.join(absent)}")
    for s in summary.subsets:
        outside = [c for c in s.class_counts if c not in set(summary.classes)]
        if outside:
            out.append(f"{s.subset} also has {len(outside)} class(es) outside the split: {', '.join(outside)}")
    names = [s.subset for s in summary.subsets]
    width = max(len(c) for c in summary.classes) if summary.classes else 10
    out += ["", f"{'class':<{width}}  group  " + " ".join(f"{n:>6}" for n in names)]
    common, rare = set(summary.common), set(summary.rare)
    train = next((s for s in summary.subsets if s.subset == "train"), summary.subsets[0])
    for c in frequency_order(train.class_counts, summary.classes):
        group = "common" if c in common else "rare  " if c in rare else "-     "
        counts = " ".join(f"{s.class_counts.get(c, 0):>6}" for s in summary.subsets)
        out.append(f"{c:<{width}}  {group} {counts}")
    out.append("")
    out.append(TrainingCounts({c: 1 for c in summary.common}, summary.split_source).describe()
               + (f": common (top half) {len(summary.common)} classes, rare {len(summary.rare)}"
                  if summary.split_source else ""))
    tie = boundary_tie(train.class_counts, summary.common, summary.rare) if summary.split_source else ()
    if tie:
        out.append(f"note: {tie_note(train.class_counts, tie)}")
    out += [f"note: {text}" for text in summary.notes]
    return "\n".join(out)
