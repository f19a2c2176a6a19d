"""What an annotation set holds, per subset: the numbers a user checks before training or analysis."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cabinlens.engine.data.layout import AnnotationFile, DatasetIndex
from cabinlens.engine.data.vocabulary import common_rare_split, frequency_order
from cabinlens.engine.errors import InputError


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


def summarize(
    index: DatasetIndex, *, view: str | None = None, level: str | None = None, split: int | None = None
) -> DatasetSummary:
    """Summarise one view/level/split; defaults: the first view, midlevel, split 0."""
    view = _pick(index.views(), view, "view", index)
    level = _pick(index.levels(view), level, "level", index, preferred="midlevel")
    split = _pick(index.splits(view, level), split, "split", index, preferred=0)
    files: list[AnnotationFile] = []
    if split is not None:
        files += index.select(view=view, level=level, split=split)
    files += index.select(view=view, level=level, split=None)
    subsets = []
    for f in files:
        ann = index.load(f)
        counts = ann.class_counts()
        subsets.append(
            SubsetSummary(
                subset=f.subset or "all",
                path=str(f.path),
                rows=len(ann),
                classes=len(counts),
                participants=ann.participants(),
                files=len(ann.file_ids()),
                class_counts={c: counts[c] for c in frequency_order(counts)},
            )
        )
    split_subsets = [s for s in subsets if s.subset != "all"] or subsets
    classes = sorted({c for s in split_subsets for c in s.class_counts})
    train = next((s for s in subsets if s.subset == "train"), split_subsets[0])
    common, rare = common_rare_split(train.class_counts, classes)
    missing = {
        s.subset: [c for c in classes if c not in s.class_counts]
        for s in split_subsets
        if any(c not in s.class_counts for c in classes)
    }
    return DatasetSummary(str(index.root), view, level, split, subsets, classes, common, rare, missing)


def format_summary(summary: DatasetSummary) -> str:
    """A plain-text report: one table of subsets, then per-class counts with the common/rare mark."""
    split = "" if summary.split is None else f", split {summary.split}"
    out = [f"{summary.root}: view {summary.view}, level {summary.level}{split}", ""]
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
    common = set(summary.common)
    train = next((s for s in summary.subsets if s.subset == "train"), summary.subsets[0])
    for c in frequency_order(train.class_counts, summary.classes):
        group = "common" if c in common else "rare  "
        counts = " ".join(f"{s.class_counts.get(c, 0):>6}" for s in summary.subsets)
        out.append(f"{c:<{width}}  {group} {counts}")
    out.append("")
    out.append(f"common (top half by training frequency): {len(summary.common)} classes; rare: {len(summary.rare)}")
    return "\n".join(out)
