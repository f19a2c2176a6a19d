"""Each activity as a scripted movement: a function from phase (0..1) to a ``Pose``.

Built-in confusions, as the paper found them on Drive&Act:
- every opening/closing, on/off, fastening/unfastening, entering/exiting and taking/putting pair
  is ONE script played forwards or backwards (``REVERSED``): only a model that uses the order of
  frames can tell them apart;
- preparing_food holds the food at the chest and lifts it halfway to the mouth, eating lifts it
  all the way: same object, same hands, different amplitude;
- putting_laptop_into_backpack is the placing movement (right hand from the body to the passenger
  seat) with the laptop and the backpack as its object and goal;
- a closed magazine lying on the passenger seat during other activities (``distractor``)
  shares the reading_magazine object's look.
Variation per annotation: amplitude, speed profile (a time warp), target jitter and repetitions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cabinlens.engine.data.synth.pose import Look, Point, Pose

# Fixed cabin places in 320x256 pixels (the renderer scales them to other sizes).
SEAT_DROP: Point = (230.0, 234.0)  # where objects lie on the passenger seat
BACKPACK: Point = (268.0, 224.0)
DISPLAY: Point = (252.0, 164.0)
BUTTON: Point = (252.0, 136.0)
DOOR_HANDLE: Point = (74.0, 170.0)
WINDOW_OUT: Point = (64.0, 92.0)  # the driver's hand seen outside, through the window
GLASSES_SHELF: Point = (226.0, 138.0)
BELT_ANCHOR_DX = -48.0


@dataclass(frozen=True)
class Params:
    """How one annotation is performed."""

    amp: float
    warp: float
    jitter: tuple[float, float, float, float]
    reps: int
    phase0: float

    @classmethod
    def random(cls, seed: int) -> Params:
        r = np.random.default_rng(seed)
        return cls(float(r.uniform(0.85, 1.15)), float(r.uniform(0.75, 1.33)),
                   tuple(float(v) for v in r.uniform(-6, 6, 4)), int(r.integers(2, 5)), float(r.uniform(0, 1)))


def ease(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def env(p: float, rise: float = 0.25) -> float:
    """0 -> 1 over the first ``rise`` of the phase, 1 -> 0 over the last."""
    return ease(p / rise) * ease((1 - p) / rise)


def lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


class Anchors:
    """Body-relative places of one driver."""

    def __init__(self, look: Look) -> None:
        cx, cy, s = look.cx, look.cy, look.size
        self.wheel_l = (cx - 52 * s, 196 + cy)
        self.wheel_r = (cx + 42 * s, 196 + cy)
        self.chest_l = (cx - 20 * s, 166 + cy)
        self.chest_r = (cx + 16 * s, 164 + cy)
        self.mouth = (cx + 2 * s, 96 * s + cy)
        self.ear = (cx + 22 * s, 80 * s + cy)
        self.eyes = (cx, 76 * s + cy)
        self.lap = (cx + 2, 206 + cy)
        self.shoulder_l = (cx - 40 * s, 120 + cy)
        self.belt_anchor = (cx + BELT_ANCHOR_DX * s, 106 + cy)
        self.buckle = (cx + 40 * s, 224 + cy)


def _j(point: Point, prm: Params, k: int = 0) -> Point:
    return (point[0] + prm.jitter[k % 4], point[1] + prm.jitter[(k + 1) % 4])


def _reach(p: float, start: Point, target: Point, prm: Params, hold: float = 0.3) -> Point:
    """Go from ``start`` to ``target``, stay during the middle, come back."""
    return lerp(start, target, env(p, (1 - hold) / 2) * min(1.0, prm.amp))


# ----------------------------------------------------------------------------- scripts
def sitting_still(p, prm, a: Anchors, s: Pose) -> Pose:
    breath = math.sin(2 * math.pi * (p * 3 + prm.phase0)) * 1.2
    return s.with_(lean=(0.0, breath), evidence=("driver",))


def looking_around(p, prm, a, s):
    turn = math.sin(2 * math.pi * (p * prm.reps / 2 + prm.phase0)) * prm.amp * env(p, 0.15)
    hand = lerp(a.wheel_r, (a.wheel_r[0] + 25, a.wheel_r[1] - 30), env(p, 0.3) * 0.6)
    return s.with_(head=(22 * turn, -3 * abs(turn)), head_turn=turn, lean=(8 * turn, 0.0), hand_r=hand,
                   evidence=("head",))


def door_outside(p, prm, a, s):  # opening_door_outside; closing = reversed
    hand = _reach(p, (WINDOW_OUT[0] - 30, WINDOW_OUT[1] + 40), _j(DOOR_HANDLE, prm), prm, hold=0.5)
    return s.with_(present=0.0, door_open=ease((p - 0.3) / 0.45), hand_l=hand, evidence=("door", "hand_l"))


def door_inside(p, prm, a, s):  # closing_door_inside; opening = reversed
    open_ = 1 - ease((p - 0.3) / 0.45)
    handle = lerp((DOOR_HANDLE[0] - 30, DOOR_HANDLE[1] - 10), DOOR_HANDLE, 1 - open_)
    hand = lerp(a.wheel_l, _j(handle, prm), env(p, 0.28))
    return s.with_(present=1.0, door_open=open_, hand_l=hand, evidence=("door", "hand_l"))


def entering(p, prm, a, s):  # entering_car; exiting = reversed
    t = ease(p)
    return s.with_(present=t, door_open=1.0, belt=0.0, evidence=("driver",))


def fastening_belt(p, prm, a, s):  # unfastening = reversed
    pull = ease((p - 0.2) / 0.6)
    path = lerp(a.belt_anchor, _j(a.buckle, prm), pull)
    hand = lerp(a.wheel_l, a.belt_anchor, ease(p / 0.2)) if p < 0.2 else path
    if p > 0.8:
        hand = lerp(a.buckle, a.wheel_l, ease((p - 0.8) / 0.2))
    return s.with_(present=1.0, belt=pull if pull < 1 else 1.0, hand_l=hand, evidence=("belt", "hand_l"))


def taking_off_jacket(p, prm, a, s):  # putting_on = reversed
    off = ease((p - 0.15) / 0.7)
    shrug = env(p, 0.2) * prm.amp
    hand_l = lerp(a.wheel_l, (a.shoulder_l[0] - 10, a.shoulder_l[1] - 5), shrug)
    hand_r = lerp(a.wheel_r, (a.chest_r[0] + 30, a.chest_r[1] - 40), shrug)
    return s.with_(jacket=1 - off, hand_l=hand_l, hand_r=hand_r, lean=(0.0, -6 * shrug),
                   evidence=("jacket", "hand_l", "hand_r"))


def putting_on_sunglasses(p, prm, a, s):  # taking_off = reversed
    path = lerp(_j(GLASSES_SHELF, prm), a.eyes, ease((p - 0.25) / 0.5))
    hand = lerp(a.wheel_r, GLASSES_SHELF, ease(p / 0.25)) if p < 0.25 else path
    if p > 0.75:
        hand = lerp(a.eyes, a.wheel_r, ease((p - 0.75) / 0.25))
    glasses = 0.0 if p < 0.25 else (0.5 if p < 0.75 else 1.0)
    objects = {**s.objects}
    objects.pop("glasses", None)
    if glasses == 0.0:
        objects["glasses"] = GLASSES_SHELF
    elif glasses == 0.5:
        objects["glasses"] = hand
    return s.with_(glasses=glasses, hand_r=hand, objects=objects, head=(0.0, 2 * env(p)),
                   evidence=("glasses", "hand_r", "head"))


def _there_and_back(p: float, start: Point, target: Point, end: Point, arrive: float, leave: float) -> Point:
    """The hand goes from ``start`` to ``target`` (reached at phase ``arrive``), then from phase
    ``leave`` on to ``end``: the shape of fetching and placing."""
    hand = lerp(start, target, ease(p / arrive))
    return lerp(hand, end, ease((p - leave) / (1 - leave)))


def fetching(obj: str) -> Callable:
    def script(p, prm, a, s):
        hand = _there_and_back(p, a.wheel_r, _j(SEAT_DROP, prm), a.chest_r, 0.45, 0.55)
        return s.with_(hand_r=hand, objects={**s.objects, obj: SEAT_DROP if p < 0.45 else hand},
                       evidence=("hand_r", obj))

    return script


def placing(obj: str) -> Callable:
    def script(p, prm, a, s):
        hand = _there_and_back(p, a.chest_r, _j(SEAT_DROP, prm), a.wheel_r, 0.5, 0.6)
        return s.with_(hand_r=hand, objects={**s.objects, obj: hand if p < 0.55 else SEAT_DROP},
                       evidence=("hand_r", obj))

    return script


def taking_laptop(p, prm, a, s):  # putting_laptop_into_backpack = reversed (a special placing)
    go = ease(p / 0.4)
    back = ease((p - 0.5) / 0.45)
    hand = lerp(lerp(a.wheel_r, _j(BACKPACK, prm), go), a.lap, back)
    if p > 0.95:
        hand = lerp(a.lap, a.wheel_r, ease((p - 0.95) / 0.05))
    laptop = BACKPACK if p < 0.4 else (hand if p < 0.95 else a.lap)
    return s.with_(flap=1.0, lid=0.0, hand_r=hand, objects={**s.objects, "laptop": laptop},
                   evidence=("backpack", "laptop", "hand_r"))


def opening_backpack(p, prm, a, s):  # closing_backpack = reversed (extra class)
    hand = _reach(p, a.wheel_r, (BACKPACK[0], BACKPACK[1] - 18), prm, hold=0.45)
    return s.with_(flap=ease((p - 0.3) / 0.4), hand_r=hand, evidence=("backpack", "hand_r"))


def opening_laptop(p, prm, a, s):  # closing_laptop = reversed
    lift = ease((p - 0.25) / 0.5)
    edge = (a.lap[0], a.lap[1] - 6 - 34 * lift)
    hand_r = _reach(p, a.wheel_r, edge, prm, hold=0.5)
    hand_l = _reach(p, a.wheel_l, (a.lap[0] - 30, a.lap[1]), prm, hold=0.5)
    return s.with_(lid=lift, hand_l=hand_l, hand_r=hand_r, objects={**s.objects, "laptop": a.lap},
                   evidence=("laptop", "hand_l", "hand_r"))


def working_on_laptop(p, prm, a, s):
    typing = math.sin(2 * math.pi * (p * 12 * prm.amp + prm.phase0)) * 3
    keys_l, keys_r = (a.lap[0] - 16, a.lap[1] - 4 + typing), (a.lap[0] + 16, a.lap[1] - 4 - typing)
    return s.with_(lid=1.0, hand_l=lerp(a.wheel_l, keys_l, env(p, 0.1)), hand_r=lerp(a.wheel_r, keys_r, env(p, 0.1)),
                   head=(0.0, 6.0), objects={**s.objects, "laptop": a.lap}, evidence=("laptop", "hand_l", "hand_r"))


def opening_bottle(p, prm, a, s):  # closing_bottle = reversed
    twist = math.sin(2 * math.pi * p * 4) * 4 * env(p, 0.2)
    cap_off = ease((p - 0.55) / 0.25)
    bottle = a.chest_r
    top = (bottle[0], bottle[1] - 16)
    hand_l = lerp(lerp(a.wheel_l, top, ease(p / 0.25)), (top[0] - 26, top[1] + 30), cap_off)
    hand_l = (hand_l[0] + twist * (1 - cap_off), hand_l[1])
    return s.with_(hand_r=bottle, hand_l=hand_l, cap_on=1 - cap_off, objects={**s.objects, "bottle": bottle},
                   evidence=("bottle", "hand_l", "hand_r"))


def to_mouth(obj: str, height: float) -> Callable:
    """drinking / eating (height 1) and preparing_food (about half way): the hand with the object
    rises towards the mouth in cycles. Eating and preparing share the object, the cycles and the
    left hand busy at the chest; only how high the food goes tells them apart."""

    def script(p, prm, a, s):
        reps = prm.reps if obj == "food" else max(1, prm.reps - 2)
        cycle = (math.sin(2 * math.pi * (p * reps - 0.25)) + 1) / 2 * env(p, 0.12)
        hand = lerp(a.chest_r, _j(a.mouth, prm, 2), cycle * height * min(prm.amp, 1.0))
        hand_l = s.hand_l
        if obj == "food":
            busy = math.sin(2 * math.pi * p * 6) * (5 if height < 0.8 else 2)
            below = (a.chest_r[0] - 16 + busy, a.chest_r[1] + 8)
            hand_l = lerp(a.wheel_l, below, env(p, 0.15))
        evidence = ("hand_r", obj, "head") if height > 0.8 else ("hand_r", "hand_l", obj)
        return s.with_(hand_r=hand, hand_l=hand_l, objects={**s.objects, obj: hand},
                       head=(0.0, -3 * cycle * height), evidence=evidence)

    return script


def reading(obj: str) -> Callable:
    def script(p, prm, a, s):
        width = 34 if obj == "magazine" else 52
        hold = env(p, 0.15)
        centre = (a.chest_r[0] - 8, a.chest_r[1] - 14 * prm.amp)
        turn = max(0.0, math.sin(2 * math.pi * (p * prm.reps / 2 + prm.phase0))) ** 8 * 22
        hand_l = lerp(a.wheel_l, (centre[0] - width + turn, centre[1] + 4), hold)
        hand_r = lerp(a.chest_r, (centre[0] + width, centre[1] + 4), hold)
        return s.with_(hand_l=hand_l, hand_r=hand_r, head=(0.0, 5.0 * hold), magazine_open=hold,
                       objects={**s.objects, obj: lerp(a.chest_r, centre, hold)}, evidence=(obj, "hand_l", "hand_r"))

    return script


def phone(talking: bool) -> Callable:
    def script(p, prm, a, s):
        hold = env(p, 0.15)
        if talking:
            hand = lerp(a.chest_r, _j(a.ear, prm), hold)
            return s.with_(hand_r=hand, head=(3 * hold, 0.0), head_turn=0.2 * hold,
                           objects={**s.objects, "phone": hand}, evidence=("phone", "hand_r", "head"))
        hand = lerp(a.wheel_r, (a.chest_r[0] - 6, a.chest_r[1] - 8), hold)
        tap = math.sin(2 * math.pi * p * 9 * prm.amp) * 3
        hand_l = lerp(a.wheel_l, (hand[0] - 10, hand[1] + 4 + tap), hold)
        return s.with_(hand_r=hand, hand_l=hand_l, head=(0.0, 7 * hold),
                       objects={**s.objects, "phone": hand}, evidence=("phone", "hand_r", "hand_l"))

    return script


def using_display(p, prm, a, s):
    swipe = math.sin(2 * math.pi * p * prm.reps) * 8 * prm.amp
    hand = _reach(p, a.wheel_r, (DISPLAY[0] + swipe * env(p, 0.3), DISPLAY[1] + prm.jitter[0] / 2), prm, hold=0.5)
    touching = math.hypot(hand[0] - DISPLAY[0], hand[1] - DISPLAY[1]) < 14
    return s.with_(hand_r=hand, display=1.0 if touching else 0.0, evidence=("display", "hand_r"))


def pressing_button(p, prm, a, s):
    hand = _reach(p, a.wheel_r, BUTTON, prm, hold=0.25)
    pressed = math.hypot(hand[0] - BUTTON[0], hand[1] - BUTTON[1]) < 5
    return s.with_(hand_r=hand, button=1.0 if pressed else 0.0, evidence=("button", "hand_r"))


def writing(p, prm, a, s):
    stroke = p * 3 * prm.reps % 1.0
    pen = (a.lap[0] - 12 + 26 * stroke + math.sin(2 * math.pi * p * 30) * 2, a.lap[1] - 12 + 4 * (p * 3 * prm.reps // 1 % 3))
    hand = lerp(a.wheel_r, pen, env(p, 0.12))
    return s.with_(hand_r=hand, head=(0.0, 6 * env(p, 0.12)),
                   objects={**s.objects, "paper": (a.lap[0], a.lap[1] - 6), "pen": hand}, evidence=("paper", "pen", "hand_r"))


Script = Callable[[float, Params, Anchors, Pose], Pose]

FORWARD: dict[str, Script] = {
    "sitting_still": sitting_still,
    "looking_or_moving_around (e.g. searching)": looking_around,
    "opening_door_outside": door_outside,
    "closing_door_inside": door_inside,
    "entering_car": entering,
    "fastening_seat_belt": fastening_belt,
    "taking_off_jacket": taking_off_jacket,
    "putting_on_sunglasses": putting_on_sunglasses,
    "taking_laptop_from_backpack": taking_laptop,
    "opening_backpack": opening_backpack,
    "opening_laptop": opening_laptop,
    "working_on_laptop": working_on_laptop,
    "opening_bottle": opening_bottle,
    "drinking": to_mouth("bottle", 1.0),
    "eating": to_mouth("food", 1.0),
    "preparing_food": to_mouth("food", 0.5),
    "reading_magazine": reading("magazine"),
    "reading_newspaper": reading("newspaper"),
    "interacting_with_phone": phone(False),
    "talking_on_phone": phone(True),
    "using_multimedia_display": using_display,
    "pressing_automation_button": pressing_button,
    "writing": writing,
    # Extra classes (merged file only).
    "standing_by_the_door": lambda p, prm, a, s: s.with_(present=0.0, lean=(3 * math.sin(6 * p), 0.0), evidence=("driver",)),
    "looking_back_left_shoulder": lambda p, prm, a, s: s.with_(head=(-20 * env(p), 0.0), head_turn=-env(p), evidence=("head",)),
}

#: class -> the class whose script it plays backwards.
REVERSED: dict[str, str] = {
    "closing_door_outside": "opening_door_outside",
    "opening_door_inside": "closing_door_inside",
    "exiting_car": "entering_car",
    "unfastening_seat_belt": "fastening_seat_belt",
    "putting_on_jacket": "taking_off_jacket",
    "taking_off_sunglasses": "putting_on_sunglasses",
    "putting_laptop_into_backpack": "taking_laptop_from_backpack",
    "closing_backpack": "opening_backpack",
    "closing_laptop": "opening_laptop",
    "closing_bottle": "opening_bottle",
}


def pose_at(activity: str, phase: float, prm: Params, anchors: Anchors, state: Pose, obj: str = "") -> Pose:
    """The pose of ``activity`` at ``phase``; fetching/placing take the episode's object.

    The time warp (this performance's speed profile: fast start and slow end, or the reverse)
    applies to the forward script's own phase, so a reversed class plays exactly the same
    performance backwards.
    """
    if activity in REVERSED:
        return FORWARD[REVERSED[activity]]((1.0 - phase) ** prm.warp, prm, anchors, state)
    phase = phase ** prm.warp
    if activity == "fetching_an_object":
        return fetching(obj or "bottle")(phase, prm, anchors, state)
    if activity == "placing_an_object":
        return placing(obj or "bottle")(phase, prm, anchors, state)
    return FORWARD[activity](phase, prm, anchors, state)
