"""Find what a dataset root holds: which annotation files for which view, level, split, subset.

The real layout is ``<root>/iccv_activities_3s/activities_3s/<view>/<level>.chunks_90.split_<k>.
<subset>.csv`` plus the merged ``<level>.chunks_90.csv``; users also point at a view folder or a
single file, so discovery accepts any folder above the CSVs, or a CSV itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cabinlens.engine.data.annotations import Annotations, read_annotations
from cabinlens.engine.errors import InputError

SUBSETS = ("train", "val", "test")
ANY: object = object()  # "do not filter on this field"; None means "the merged file"
_NAME = re.compile(
    r"^(?P<level>[A-Za-z]+)\.chunks_(?P<chunk>\d+)(?:\.split_(?P<split>\d+)\.(?P<subset>train|val|test))?\.csv$"
)


@dataclass(frozen=True)
class AnnotationFile:
    """One annotation CSV and what its place in the layout says about it.

    ``split`` and ``subset`` are None for the merged file that holds every row.
    """

    view: str
    level: str
    split: int | None
    subset: str | None
    path: Path = field(compare=False)
    named: bool = field(default=True, compare=False)  # follows the Drive&Act naming scheme

    @property
    def sort_key(self) -> tuple:
        subset = SUBSETS.index(self.subset) if self.subset in SUBSETS else -1
        return (self.view, self.level, -1 if self.split is None else self.split, subset)

    @property
    def label(self) -> str:
        part = "all rows" if self.split is None else f"split {self.split} {self.subset}"
        return f"{self.view}/{self.level} {part}"


class DatasetIndex:
    """The annotation files under one root, with cached loading."""

    def __init__(self, root: Path, files: list[AnnotationFile], ignored: list[Path] | None = None) -> None:
        self.root = root
        self.files = sorted(files, key=lambda f: f.sort_key)
        self.ignored = list(ignored or [])  # CSVs beside named files that do not follow the scheme
        self._loaded: dict[Path, Annotations] = {}

    @property
    def named(self) -> bool:
        """Whether the files follow Drive&Act's naming scheme (views, levels, splits, subsets)."""
        return any(f.named for f in self.files)

    def ignored_text(self) -> str:
        """One line naming the CSVs that were left out because of their names ('' when none)."""
        if not self.ignored:
            return ""
        names = ", ".join(str(p.relative_to(self.root)) if p.is_relative_to(self.root) else str(p)
                          for p in self.ignored[:6])
        more = f" and {len(self.ignored) - 6} more" if len(self.ignored) > 6 else ""
        return (f"ignored {len(self.ignored)} CSV file(s) that do not follow the naming scheme "
                f"<level>.chunks_<n>[.split_<k>.<subset>].csv: {names}{more}")

    def views(self) -> list[str]:
        return sorted({f.view for f in self.files})

    def levels(self, view: str | None = None) -> list[str]:
        return sorted({f.level for f in self.files if view in (None, f.view)})

    def splits(self, view: str | None = None, level: str | None = None) -> list[int]:
        return sorted(
            {
                f.split
                for f in self.files
                if f.split is not None and view in (None, f.view) and level in (None, f.level)
            }
        )

    def select(self, *, view=ANY, level=ANY, split=ANY, subset=ANY) -> list[AnnotationFile]:
        """Files matching every given field; ``split=None`` selects the merged all-rows files."""
        return [
            f
            for f in self.files
            if view in (ANY, f.view)
            and level in (ANY, f.level)
            and split in (ANY, f.split)
            and subset in (ANY, f.subset)
        ]

    def find(self, *, view: str, level: str, split: int | None, subset: str | None) -> AnnotationFile:
        """The one file of that view/level/split/subset; a clear error naming what exists."""
        for f in self.files:
            if (f.view, f.level, f.split, f.subset) == (view, level, split, subset):
                return f
        want = AnnotationFile(view, level, split, subset, self.root).label
        have = ", ".join(f.label for f in self.files[:12]) or "none"
        raise InputError(self.root, f"no annotation file for {want}; found: {have}")

    def load(self, file: AnnotationFile) -> Annotations:
        cached = self._loaded.get(file.path)
        if cached is None:
            cached = self._loaded[file.path] = read_annotations(file.path)
        return cached


def discover(path: str | Path) -> DatasetIndex:
    """Index the annotation files at ``path`` (a dataset root, any folder above the CSVs, a CSV)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file or folder")
    if path.is_file():
        return DatasetIndex(path.parent, [_describe(path)])
    # Evidence files (``<video>.evidence.csv``, beside the videos) are CabinLens's own, not annotations.
    found = sorted(p for p in path.rglob("*.csv") if p.is_file() and not p.name.startswith(".")
                   and not p.name.endswith(".evidence.csv"))
    named = [p for p in found if _NAME.match(p.name)]
    if named:
        return DatasetIndex(path, [_describe(p) for p in named], [p for p in found if not _NAME.match(p.name)])
    other = found
    if not other:
        raise InputError(
            path,
            "holds no annotation CSV (expected <view>/<level>.chunks_90.split_<k>.<subset>.csv "
            "below it, or a generic video,frame_start,frame_end,label file)",
        )
    return DatasetIndex(path, [_describe(p) for p in other])


def _describe(path: Path) -> AnnotationFile:
    m = _NAME.match(path.name)
    if m is None:  # a generic segments file: its folder is the "view", its stem the "level"
        return AnnotationFile(path.parent.name, path.stem, None, None, path, named=False)
    split = m["split"]
    return AnnotationFile(
        path.parent.name, m["level"], int(split) if split is not None else None, m["subset"], path
    )
