"""Fixed facts of the synthetic Drive&Act: participants, splits, scales, frequency shape, format.

The splits are the real ones (participants 1-15), the class names are the 34 real mid-level
activities, and the frequency of each class is derived from the real split-0 training counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS

#: Bump when the generator's output changes, so caches of an older dataset are not reused.
GENERATOR_VERSION = 1

VIEW, SENSOR, LEVEL = "inner_mirror", "ids_1", "midlevel"
FPS = 30
CHUNK = 90  # frames per chunk: 3 s at 30 fps
HEADER = ("participant_id", "file_id", "annotation_id", "frame_start", "frame_end", "activity", "chunk_id")

#: The real participant splits of Drive&Act (val and test; train is everyone else).
SPLITS: dict[int, dict[str, tuple[int, ...]]] = {
    0: {"val": (14, 15), "test": (5, 11, 13)},
    1: {"val": (3, 8), "test": (9, 10, 12)},
    2: {"val": (1, 2), "test": (4, 6, 7)},
}
PARTICIPANTS = tuple(range(1, 16))

#: Classes of the merged file that the benchmark splits leave out (as in the real data).
EXTRA_CLASSES = ("standing_by_the_door", "moving_towards_door", "looking_back_left_shoulder")


def subset_of(participant: int, split: int) -> str:
    for subset in ("val", "test"):
        if participant in SPLITS[split][subset]:
            return subset
    return "train"


@dataclass(frozen=True)
class Scale:
    """How much data: runs per participant, image size, and how steep the frequency shape is.

    Every class occurs at least once per run (a short annotation, one row), as the rare
    activities of the real recordings do; a class with real training count ``n`` gets about
    ``(n / n_rarest) ** gamma`` rows per run, so the order and the shape of the real frequencies
    are kept (gamma = 1 would be the real ratios) while a run stays a few minutes long.
    """

    name: str
    runs_per_participant: int
    gamma: float
    width: int = 320
    height: int = 256


SCALES: dict[str, Scale] = {
    "small": Scale("small", runs_per_participant=1, gamma=0.4),
    "medium": Scale("medium", runs_per_participant=2, gamma=0.55),
}


def rows_per_run(scale: Scale) -> dict[str, float]:
    """Expected rows per run of each class; the rarest real class gets one."""
    counts = DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS
    rarest = min(counts.values())
    return {c: (n / rarest) ** scale.gamma for c, n in counts.items()}
