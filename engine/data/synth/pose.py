"""The pose of the scene at one instant: where the hands, head and objects are, and their states.

Everything the renderer draws is a field here, so an activity is nothing but a function from a
phase in [0, 1] to a ``Pose`` (see ``activities``), and the evidence regions follow from the
same numbers the pixels do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class Look:
    """A participant's body and clothing (shared by their runs) and a run's camera and light."""

    cx: float = 160.0  # driver's centre line
    cy: float = 0.0  # vertical offset
    size: float = 1.0
    skin: int = 150
    hair: int = 35
    shirt: int = 95
    jacket: int = 45
    gain: float = 1.0
    noise: float = 3.0

    @classmethod
    def random(cls, participant_seed: int, run_seed: int) -> Look:
        p = np.random.default_rng(participant_seed)
        r = np.random.default_rng(run_seed)
        shirt = int(p.integers(60, 150))
        jacket = int(np.clip(shirt + p.choice([-1, 1]) * p.integers(45, 75), 20, 210))
        return cls(
            cx=160.0 + float(p.uniform(-10, 10)), cy=float(p.uniform(-6, 6)), size=float(p.uniform(0.9, 1.1)),
            skin=int(p.integers(125, 180)), hair=int(p.integers(15, 60)), shirt=shirt, jacket=jacket,
            gain=float(r.uniform(0.85, 1.15)), noise=float(r.uniform(2.0, 4.0)),
        )


@dataclass(frozen=True)
class Pose:
    """Positions in pixels of the 320x256 frame (scaled for other sizes); states in [0, 1]."""

    present: float = 1.0  # 0: the driver stands outside at the window, 1: seated (blends in between)
    head: Point = (0.0, 0.0)  # offset from the seated head position
    head_turn: float = 0.0  # -1 left .. 1 right
    lean: Point = (0.0, 0.0)  # torso offset
    hand_l: Point | None = None  # None: on the steering wheel
    hand_r: Point | None = None
    door_open: float = 0.0
    belt: float = 1.0  # 1 fastened; between 0 and 1 the buckle end is in the left hand
    jacket: float = 1.0  # 1 worn, 0 off (lying on the passenger seat)
    glasses: float = 0.0  # 1 worn; between: in the right hand
    lid: float = 0.0  # laptop lid, 0 closed .. 1 open
    flap: float = 0.0  # backpack flap, 0 closed .. 1 open
    display: float = 0.0  # display lit by a touch
    button: float = 0.0  # button lit
    objects: dict[str, Point] = field(default_factory=dict)  # object name -> centre
    cap_on: float = 1.0  # bottle cap: 1 on the bottle, 0 in the right hand
    magazine_open: float = 0.0
    evidence: tuple[str, ...] = ()  # the parts that define the activity

    def with_(self, **changes) -> Pose:
        return replace(self, **changes)
