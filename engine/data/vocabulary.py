"""Class vocabularies: which index means which class, and which classes are common or rare.

Published Drive&Act models order their classes alphabetically, so that is the default. The
paper's common/rare split sorts classes by training frequency and calls the top half common.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Rows per class in the real split-0 training subset of Drive&Act's mid-level annotations
# (a_column_co_driver view; other NIR views differ by a few rows). Used to give synthetic data
# the real frequency shape; class names are verbatim.
DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS: Mapping[str, int] = {
    "sitting_still": 1810, "fetching_an_object": 497, "eating": 493, "placing_an_object": 463,
    "reading_magazine": 424, "interacting_with_phone": 323, "using_multimedia_display": 318,
    "reading_newspaper": 314, "working_on_laptop": 303, "talking_on_phone": 212, "writing": 196,
    "pressing_automation_button": 177, "putting_on_jacket": 139, "fastening_seat_belt": 124,
    "drinking": 113, "taking_off_jacket": 84, "looking_or_moving_around (e.g. searching)": 74,
    "opening_bottle": 69, "closing_bottle": 63, "unfastening_seat_belt": 62,
    "putting_on_sunglasses": 53, "taking_off_sunglasses": 44, "preparing_food": 39,
    "opening_laptop": 29, "exiting_car": 28, "entering_car": 26, "closing_laptop": 26,
    "opening_door_inside": 25, "opening_backpack": 22, "putting_laptop_into_backpack": 22,
    "opening_door_outside": 20, "closing_door_inside": 20, "taking_laptop_from_backpack": 16,
    "closing_door_outside": 14,
}

#: The 34 mid-level activities of the Drive&Act benchmark in canonical (alphabetical) order.
DRIVEACT_MIDLEVEL_CLASSES: tuple[str, ...] = tuple(sorted(DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS))


@dataclass(frozen=True)
class ClassVocabulary:
    """An ordered list of class names; a model's output index i means ``names[i]``."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.names)) != len(self.names):
            raise ValueError("class names must be unique")

    @classmethod
    def alphabetical(cls, names: Iterable[str]) -> ClassVocabulary:
        return cls(tuple(sorted(set(names))))

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"class {name!r} is not in this vocabulary of {len(self)} classes") from None

    @property
    def _index(self) -> dict[str, int]:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {n: i for i, n in enumerate(self.names)}
            object.__setattr__(self, "_index_cache", cached)
        return cached


def frequency_order(counts: Mapping[str, int], classes: Sequence[str] | None = None) -> list[str]:
    """Classes from most to least frequent; ties broken by name so the order is deterministic."""
    names = list(classes) if classes is not None else list(counts)
    return sorted(names, key=lambda c: (-counts.get(c, 0), c))


def common_rare_split(
    counts: Mapping[str, int], classes: Sequence[str] | None = None
) -> tuple[list[str], list[str]]:
    """The paper's split: the top half of the classes seen in training, by training frequency, are
    common, the rest of them rare.

    With an odd number of trained classes the middle class counts as common (ceil(n/2) common).
    Classes of ``classes`` that training never saw are rare too, but do not move the boundary: a model
    that knows 34 classes evaluated on a dataset of 6 splits those 6, not the 34, and a class that
    appears only in another subset changes nothing. Ties at the boundary are broken by name
    (``boundary_tie`` says when that happens).
    """
    ordered = frequency_order(counts, classes)
    trained = [c for c in ordered if counts.get(c, 0) > 0]
    n_common = (len(trained) + 1) // 2
    untrained = [c for c in ordered if counts.get(c, 0) <= 0]
    return trained[:n_common], trained[n_common:] + untrained


def boundary_tie(counts: Mapping[str, int], common: Sequence[str], rare: Sequence[str]) -> tuple[str, ...]:
    """The classes with the same training count as the last common and first rare class, when the split
    falls inside such a tie (the order between them is then by name only); else ()."""
    if not common or not rare or counts.get(rare[0], 0) <= 0 or counts.get(common[-1], 0) != counts.get(rare[0], 0):
        return ()
    n = counts[common[-1]]
    return tuple(c for c in [*common, *rare] if counts.get(c, 0) == n)


def tie_note(counts: Mapping[str, int], tie: Sequence[str]) -> str:
    """One line for a reader: the split fell inside a tie, so the group of those classes is by name."""
    return (f"the common/rare boundary falls among {len(tie)} classes with {counts[tie[0]]} training "
            f"row{'s' if counts[tie[0]] != 1 else ''} each ({', '.join(tie)}): which of them are common is by name")
