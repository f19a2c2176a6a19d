"""What happens in each synthetic drive: participants, runs, and the timed activity sequence.

A run is one continuous session, ordered like the real recordings: the driver walks up, opens
the door, gets in, closes it and fastens the seat belt; then a shuffled series of episodes (a
bottle is fetched, opened, drunk from, closed and put back; the laptop comes out of the backpack
and goes back; the jacket comes off and later on again ...) with sitting still in between; then
the seat belt is unfastened and the driver gets out. Durations give each class its share of rows
(see ``config.rows_per_run``). Everything derives from one seed through ``SeedSequence``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cabinlens.engine.data.synth.config import CHUNK, HEADER, PARTICIPANTS, SENSOR, Scale, rows_per_run, subset_of

INTRO = ("opening_door_outside", "entering_car", "closing_door_inside", "fastening_seat_belt")
OUTRO = ("unfastening_seat_belt", "opening_door_inside", "exiting_car", "closing_door_outside")
EPISODES: dict[str, tuple[str, ...]] = {
    "laptop": ("opening_backpack", "taking_laptop_from_backpack", "opening_laptop", "working_on_laptop",
               "closing_laptop", "putting_laptop_into_backpack"),
    "bottle": ("fetching_an_object", "opening_bottle", "drinking", "closing_bottle", "placing_an_object"),
    "food": ("fetching_an_object", "preparing_food", "eating", "placing_an_object"),
    "magazine": ("fetching_an_object", "reading_magazine", "placing_an_object"),
    "newspaper": ("fetching_an_object", "reading_newspaper", "placing_an_object"),
    "phone": ("interacting_with_phone", "talking_on_phone"),
    "jacket_off": ("taking_off_jacket",),
    "jacket_on": ("putting_on_jacket",),
    "sunglasses_on": ("putting_on_sunglasses",),
    "sunglasses_off": ("taking_off_sunglasses",),
    "display": ("using_multimedia_display",),
    "button": ("pressing_automation_button",),
    "writing": ("writing",),
    "looking": ("looking_or_moving_around (e.g. searching)",),
}
#: Share of annotations of other classes during which a magazine lies in view.
DISTRACTOR_SHARE = 0.3
#: Which object each fetch/place episode is about (the renderer draws it).
EPISODE_OBJECT = {"bottle": "bottle", "food": "food", "magazine": "magazine", "newspaper": "newspaper"}


@dataclass(frozen=True)
class Annotation:
    """One annotated activity ``[start, end)`` (end exclusive); ``seed`` varies how it is performed."""

    activity: str
    start: int
    end: int
    seed: int
    episode: str = ""
    benchmark: bool = True  # False for the extra classes the split files leave out
    magazine_in_view: bool = False  # a closed magazine lies on the passenger seat (a distractor)


@dataclass(frozen=True)
class RunPlan:
    participant: int
    run: str  # e.g. "run1_2018-05-03-14-08-31"
    frames: int
    annotations: tuple[Annotation, ...]
    seed: int  # appearance, noise, illumination of this run
    participant_seed: int  # the same for every run of a participant: body and clothing

    @property
    def file_id(self) -> str:
        return f"vp{self.participant}/{self.run}.{SENSOR}"


def _occurrences() -> dict[str, int]:
    """How often each class occurs in one run's structure (sitting_still not counted)."""
    counts: dict[str, int] = {}
    for activity in INTRO + OUTRO + tuple(a for seq in EPISODES.values() for a in seq):
        counts[activity] = counts.get(activity, 0) + 1
    return counts


def _duration(rows: float, rng: np.random.Generator) -> int:
    """Frames for an annotation that yields ``rows`` chunks on average (stochastic rounding).

    The last chunk is a partial one of 20-89 frames, like the short chunks where real
    annotations end; a single-chunk activity is 28-89 frames long.
    """
    whole = max(1, int(np.floor(rows)) + int(rng.random() < rows - np.floor(rows)))
    last = int(rng.integers(28, 90)) if whole == 1 else int(rng.integers(20, 90))
    return (whole - 1) * CHUNK + last


def _episode_order(rng: np.random.Generator) -> list[str]:
    """Episodes in a plausible order: jacket off before on, sunglasses on before off."""
    names = [n for n in EPISODES if n not in ("jacket_on", "sunglasses_off")]
    order = [names[i] for i in rng.permutation(len(names))]
    for first, second in (("jacket_off", "jacket_on"), ("sunglasses_on", "sunglasses_off")):
        at = order.index(first)
        order.insert(int(rng.integers(at + 1, len(order) + 1)), second)
    return order


def plan_run(participant: int, run_index: int, scale: Scale, seed_seq: np.random.SeedSequence) -> RunPlan:
    rng = np.random.default_rng(seed_seq)
    rows = rows_per_run(scale)
    occurrences = _occurrences()
    per_occurrence = {c: rows[c] / occurrences[c] for c in occurrences}
    order = _episode_order(rng)
    still_rows = rows["sitting_still"]
    still_slots = min(len(order) - 1, max(1, math.ceil(still_rows / 2.5)))
    still_after = set(rng.choice(len(order) - 1, size=still_slots, replace=False).tolist())

    sequence: list[tuple[str, str, bool]] = [("standing_by_the_door", "intro", False)]
    sequence += [(a, "intro", True) for a in INTRO]
    for k, episode in enumerate(order):
        sequence += [(a, episode, True) for a in EPISODES[episode]]
        if k in still_after:
            sequence.append(("sitting_still", "still", True))
        if rng.random() < 0.12:
            sequence.append(("looking_back_left_shoulder", "extra", False))
    sequence += [(a, "outro", True) for a in OUTRO]

    annotations = []
    t = int(rng.integers(15, 40))
    for activity, episode, benchmark in sequence:
        if activity == "sitting_still":
            target = still_rows / still_slots
        elif benchmark:
            target = per_occurrence[activity]
        else:
            target = 0.5
        length = _duration(target, rng)
        distractor = benchmark and episode not in ("magazine", "intro", "outro") and rng.random() < DISTRACTOR_SHARE
        annotations.append(Annotation(activity, t, t + length, int(rng.integers(2**31)), episode, benchmark, distractor))
        gap = int(rng.integers(30, 75)) if rng.random() < 0.08 else int(rng.integers(1, 10))
        t += length + gap
    date = f"2018-05-{int(rng.integers(3, 31)):02d}-{int(rng.integers(8, 18)):02d}-" \
           f"{int(rng.integers(0, 60)):02d}-{int(rng.integers(0, 60)):02d}"
    suffix = "b" if rng.random() < 0.2 else ""
    return RunPlan(participant, f"run{run_index + 1}{suffix}_{date}", t + int(rng.integers(10, 30)),
                   tuple(annotations), int(rng.integers(2**31)), 0)


def plan_dataset(seed: int, scale: Scale) -> list[RunPlan]:
    """Every run of every participant; a participant's look is shared by their runs."""
    root = np.random.SeedSequence([seed, 0x5EED])
    participant_seeds = root.spawn(len(PARTICIPANTS))
    plans = []
    for participant, pseq in zip(PARTICIPANTS, participant_seeds, strict=True):
        look_seed = int(pseq.generate_state(1)[0])
        for run_index, rseq in enumerate(pseq.spawn(scale.runs_per_participant)):
            plan = plan_run(participant, run_index, scale, rseq)
            plans.append(RunPlan(plan.participant, plan.run, plan.frames, plan.annotations, plan.seed, look_seed))
    return plans


def chunk_rows(plan: RunPlan, *, benchmark_only: bool) -> list[tuple]:
    """CSV rows of one run: each annotation cut into chunks of at most 90 frames."""
    out = []
    for annotation_id, a in enumerate(plan.annotations):
        if benchmark_only and not a.benchmark:
            continue
        for chunk_id, start in enumerate(range(a.start, a.end, CHUNK)):
            out.append((plan.participant, plan.file_id, annotation_id, start, min(a.end, start + CHUNK), a.activity, chunk_id))
    return out


def csv_text(rows: list[tuple]) -> str:
    lines = [",".join(HEADER)] + [",".join(str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def split_files(plans: list[RunPlan]) -> dict[str, str]:
    """File name -> CSV text for the merged file and the nine split files."""
    files = {"midlevel.chunks_90.csv": csv_text([r for p in plans for r in chunk_rows(p, benchmark_only=False)])}
    for split in (0, 1, 2):
        for subset in ("train", "val", "test"):
            rows = [r for p in plans if subset_of(p.participant, split) == subset
                    for r in chunk_rows(p, benchmark_only=True)]
            files[f"midlevel.chunks_90.split_{split}.{subset}.csv"] = csv_text(rows)
    return files
