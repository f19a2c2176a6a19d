"""Paint a pose as a near-infrared cabin frame, and say where each drawn part is.

Grayscale like the Drive&Act NIR cameras: skin and light plastics bright, clothing and the cabin
darker, the window bright with daylight. The cabin (window, door, seats, steering wheel, display,
button, backpack) is drawn once per run; the driver and the objects every frame. ``paint``
returns the image and a box per drawn part, from the same numbers, for the evidence file.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from cabinlens.engine.data.synth.activities import BACKPACK, BUTTON, DISPLAY, GLASSES_SHELF, WINDOW_OUT, Anchors
from cabinlens.engine.data.synth.pose import Look, Point, Pose

W, H = 320, 256
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)
MAGAZINE_SPOT: Point = (236.0, 200.0)  # where a magazine lies when it is not being read


def _pt(p: Point) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


def _box(cx: float, cy: float, half_w: float, half_h: float) -> Box:
    x0, y0 = max(0, int(cx - half_w)), max(0, int(cy - half_h))
    return x0, y0, min(W, int(math.ceil(cx + half_w))), min(H, int(math.ceil(cy + half_h)))


def cabin(look: Look) -> np.ndarray:
    """The static part of the view: interior, seats, steering column, dashboard."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    img = (30 + 14 * (yy / H) + 8 * (xx / W)).astype(np.uint8)
    cx = look.cx
    cv2.rectangle(img, (int(cx - 46), 28), (int(cx + 46), 250), 48, -1)  # seat back
    cv2.rectangle(img, (int(cx - 26), 20), (int(cx + 26), 52), 56, -1)  # headrest
    cv2.rectangle(img, (214, 120), (318, 255), 42, -1)  # passenger seat
    cv2.rectangle(img, (226, 146), (278, 182), 70, -1)  # display bezel
    cv2.line(img, (200, 255), (290, 190), 58, 10)  # centre console edge
    return img


def _window_and_door(img: np.ndarray, door_open: float, light: float) -> dict[str, Box]:
    glass = np.array([[34, 18], [98, 22], [98, 128], [34, 146]], np.int32)
    cv2.fillPoly(img, [glass], int(np.clip(150 * light, 0, 255)))
    width = 64 * (1 - 0.75 * door_open)
    panel = np.array([[34, 146], [34 + width, 128], [34 + width, 255], [34, 255]], np.int32)
    if door_open > 0:
        cv2.fillPoly(img, [np.array([[34, 146], [98, 128], [98, 255], [34, 255]], np.int32)], int(np.clip(170 * light, 0, 255)))
    cv2.fillPoly(img, [panel], 66)
    handle_x = 34 + width - 18 * (1 - door_open) - 6
    cv2.rectangle(img, (int(handle_x), 164), (int(handle_x + 10), 172), 120, -1)
    return {"door": (34, 128, int(math.ceil(34 + max(width, 64 * door_open) + 2)), 256)}


def paint(base: np.ndarray, pose: Pose, look: Look, anchors: Anchors, light: float,
          magazine_in_view: bool = False) -> tuple[np.ndarray, dict[str, Box]]:
    """One frame (H x W uint8) and the box of every part drawn in it."""
    img = base.copy()
    boxes = _window_and_door(img, pose.door_open, light)
    s = look.size
    # Objects on the passenger seat and the dashboard.
    flap = pose.flap
    bx, by = BACKPACK
    cv2.rectangle(img, (int(bx - 22), int(by - 20)), (int(bx + 22), int(by + 28)), 78, -1)
    cv2.rectangle(img, (int(bx - 22), int(by - 20 - 14 * flap)), (int(bx + 22), int(by - 12 - 14 * flap)), 100, -1)
    boxes["backpack"] = _box(bx, by, 23, 30 + 14 * flap)
    level = 95 + 130 * pose.display
    cv2.rectangle(img, (232, 150), (272, 178), int(level), -1)
    cv2.line(img, (236, 158), (266, 158), int(level * 0.6), 2)
    boxes["display"] = _box(*DISPLAY, 21, 15)
    cv2.circle(img, _pt(BUTTON), 6, int(90 + 150 * pose.button), -1)
    boxes["button"] = _box(*BUTTON, 7, 7)
    if magazine_in_view and "magazine" not in pose.objects:
        _magazine(img, MAGAZINE_SPOT, 0.0)
        boxes["magazine_lying"] = _box(*MAGAZINE_SPOT, 17, 12)

    # The driver: seated, or standing outside behind the window.
    t = pose.present
    lean = pose.lean
    dx = (1 - t) * (WINDOW_OUT[0] - 8 - look.cx) + lean[0]
    dy = (1 - t) * -36 + lean[1]
    k = (0.55 + 0.45 * t) * s
    cx, top = look.cx + dx, look.cy + dy
    shirt = look.shirt
    cv2.ellipse(img, (int(cx), int(top + 190 * k + 40 * (1 - k))), (int(50 * k), int(88 * k)), 0, 0, 360, shirt, -1)
    boxes["torso"] = _box(cx, top + 190 * k + 40 * (1 - k), 50 * k, 88 * k)
    if pose.jacket > 0:
        spread = 1 - pose.jacket
        for side in (-1, 1):
            x_in = cx + side * (10 + 40 * spread) * k
            x_out = cx + side * (52 + 30 * spread) * k
            y0 = top + (112 + 60 * spread) * k
            panel = np.array([[x_in, y0], [x_out, y0 + 10 * k], [x_out, 256], [x_in, 256]], np.int32)
            cv2.fillPoly(img, [panel], look.jacket)
            cv2.line(img, (int(x_in), int(y0)), (int(cx + side * 4 * k), int(y0 + 50 * k)), max(0, look.jacket - 25), 2)
        boxes["jacket"] = _box(cx, top + 185 * k, (82 + 30 * spread) * k, 75 * k)
    elif t > 0.99:
        cv2.ellipse(img, (298, 132), (20, 12), 0, 0, 360, look.jacket, -1)  # jacket on the passenger seat
        boxes["jacket"] = _box(298, 132, 21, 13)
    if pose.belt > 0 and t > 0.99:
        anchor, buckle = anchors.belt_anchor, anchors.buckle
        end = buckle if pose.belt >= 1 else (pose.hand_l or buckle)
        cv2.line(img, _pt(anchor), _pt(end), 150, 7, cv2.LINE_AA)
        cv2.line(img, _pt(anchor), _pt(end), 110, 2)
        boxes["belt"] = (min(int(anchor[0]), int(end[0])) - 4, min(int(anchor[1]), int(end[1])) - 4,
                         max(int(anchor[0]), int(end[0])) + 5, max(int(anchor[1]), int(end[1])) + 5)
    # Head with hair; the turn shifts the hair and the face's bright side.
    hx, hy = cx + pose.head[0] * k, top + 78 * k + pose.head[1]
    r = 21 * k
    cv2.rectangle(img, (int(cx - 8 * k), int(hy + r - 4)), (int(cx + 8 * k), int(top + 122 * k)), look.skin - 15, -1)
    cv2.circle(img, _pt((hx, hy)), int(r), look.skin, -1, cv2.LINE_AA)
    cv2.ellipse(img, _pt((hx + 6 * pose.head_turn * k, hy - 6 * k)), (int(r), int(r * 0.7)), 0, 180, 360, look.hair, -1)
    cv2.circle(img, _pt((hx + 9 * pose.head_turn * k, hy + 2)), int(5 * k), max(0, look.skin - 45), -1)  # nose shade
    boxes["head"] = _box(hx, hy, r + 1, r + 1)
    if pose.glasses >= 1:
        _glasses(img, (hx + 3 * pose.head_turn * k, hy - 2), k)
        boxes["glasses"] = _box(hx, hy - 2, 17 * k, 6 * k)
    elif pose.glasses == 0 and t > 0.99:
        _glasses(img, GLASSES_SHELF, 0.8)
        boxes["glasses"] = _box(*GLASSES_SHELF, 14, 6)
    boxes["driver"] = _box(cx, top + 150 * k, 58 * k, 130 * k)

    # Steering wheel in front of the torso.
    cv2.ellipse(img, _pt((look.cx - 5, 206 + look.cy)), (60, 18), 0, 0, 360, 88, 7, cv2.LINE_AA)
    boxes["wheel"] = _box(look.cx - 5, 206 + look.cy, 64, 22)

    # Held and lying objects, then the arms and hands over them.
    for name, where in pose.objects.items():
        boxes[name] = _object(img, name, where, pose)
    hands = {"hand_l": pose.hand_l or anchors.wheel_l, "hand_r": pose.hand_r or anchors.wheel_r}
    if t < 0.99:  # while entering, the hands travel with the body
        hands = {n: (cx + (p[0] - look.cx) * k, top + p[1] * k + 20 * (1 - k)) for n, p in hands.items()}
        if pose.hand_l is not None and t == 0.0:
            hands["hand_l"] = pose.hand_l
    shoulders = {"hand_l": (cx - 38 * k, top + 120 * k), "hand_r": (cx + 38 * k, top + 120 * k)}
    for name, hand in hands.items():
        _arm(img, shoulders[name], hand, k, look.shirt if pose.jacket <= 0 else look.jacket, 1 if name == "hand_r" else -1)
        cv2.circle(img, _pt(hand), int(9 * k), look.skin, -1, cv2.LINE_AA)
        boxes[name] = _box(*hand, 10 * k, 10 * k)
    return img, boxes


def _arm(img: np.ndarray, shoulder: Point, hand: Point, k: float, shade: int, side: int) -> None:
    """Two segments with the elbow bent outwards and down (simple two-link inverse kinematics)."""
    length = 62 * k
    dx, dy = hand[0] - shoulder[0], hand[1] - shoulder[1]
    d = max(1e-3, math.hypot(dx, dy))
    reach = min(d, 2 * length - 1)
    bend = math.sqrt(max(0.0, length**2 - (reach / 2) ** 2))
    mx, my = shoulder[0] + dx / 2, shoulder[1] + dy / 2
    nx, ny = -dy / d * side, dx / d * side
    if ny < 0:
        nx, ny = -nx, -ny
    elbow = (mx + nx * bend * 0.8, my + ny * bend * 0.8)
    cv2.line(img, _pt(shoulder), _pt(elbow), shade, int(14 * k), cv2.LINE_AA)
    cv2.line(img, _pt(elbow), _pt(hand), shade, int(11 * k), cv2.LINE_AA)


def _glasses(img: np.ndarray, centre: Point, k: float) -> None:
    x, y = centre
    for side in (-1, 1):
        cv2.ellipse(img, _pt((x + side * 8 * k, y)), (int(7 * k), int(4 * k)), 0, 0, 360, 12, -1)
    cv2.line(img, _pt((x - 2 * k, y)), _pt((x + 2 * k, y)), 12, 2)


def _magazine(img: np.ndarray, centre: Point, open_: float) -> None:
    x, y = centre
    half = 16 + 16 * open_
    cv2.rectangle(img, _pt((x - half, y - 11)), _pt((x + half, y + 11)), 205, -1)
    for row in range(4):
        yy = y - 7 + row * 5
        cv2.line(img, _pt((x - half + 4, yy)), _pt((x + half - 4, yy)), 120, 1)
    cv2.rectangle(img, _pt((x - half + 3, y - 9)), _pt((x - half + 12, y - 1)), 60, -1)  # cover photo
    if open_ > 0.5:
        cv2.line(img, _pt((x, y - 11)), _pt((x, y + 11)), 90, 1)


def _object(img: np.ndarray, name: str, where: Point, pose: Pose) -> Box:
    x, y = where
    if name == "bottle":
        cv2.rectangle(img, _pt((x - 5, y - 18)), _pt((x + 5, y + 8)), 215, -1)
        cap = (x, y - 21) if pose.cap_on >= 0.5 else (pose.hand_l or (x - 26, y + 14))
        cv2.rectangle(img, _pt((cap[0] - 4, cap[1] - 3)), _pt((cap[0] + 4, cap[1] + 3)), 70, -1)
        return _box(x, y - 6, 8, 18)
    if name == "food":
        cv2.ellipse(img, _pt((x, y - 4)), (10, 8), 0, 0, 360, 185, -1)
        cv2.rectangle(img, _pt((x - 11, y)), _pt((x + 11, y + 8)), 140, -1)
        return _box(x, y, 12, 10)
    if name == "magazine":
        _magazine(img, where, pose.magazine_open)
        return _box(x, y, 17 + 16 * pose.magazine_open, 12)
    if name == "newspaper":
        half = 22 + 30 * pose.magazine_open
        cv2.rectangle(img, _pt((x - half, y - 17)), _pt((x + half, y + 17)), 175, -1)
        for col in range(int(half // 8)):
            cx0 = x - half + 4 + col * 16
            cv2.line(img, _pt((cx0, y - 12)), _pt((cx0, y + 12)), 130, 1)
        return _box(x, y, half + 1, 18)
    if name == "laptop":
        cv2.rectangle(img, _pt((x - 34, y - 5)), _pt((x + 34, y + 5)), 150, -1)
        lid = pose.lid
        if lid > 0.02:
            h = 40 * lid
            cv2.rectangle(img, _pt((x - 32, y - 5 - h)), _pt((x + 32, y - 5)), 105, -1)
            cv2.rectangle(img, _pt((x - 28, y - 3 - h)), _pt((x + 28, y - 8)), int(105 + 110 * lid), -1)
        return _box(x, y - 20 * lid, 35, 6 + 20 * lid)
    if name == "phone":
        cv2.rectangle(img, _pt((x - 5, y - 9)), _pt((x + 5, y + 9)), 40, -1)
        cv2.rectangle(img, _pt((x - 4, y - 7)), _pt((x + 4, y + 7)), 225, -1)
        return _box(x, y, 6, 10)
    if name == "glasses":
        _glasses(img, where, 0.9)
        return _box(x, y, 15, 6)
    if name == "paper":
        cv2.rectangle(img, _pt((x - 22, y - 14)), _pt((x + 22, y + 10)), 215, -1)
        return _box(x, y - 2, 23, 13)
    if name == "pen":
        cv2.line(img, _pt((x, y)), _pt((x + 6, y - 14)), 30, 3)
        return _box(x + 3, y - 7, 5, 9)
    raise ValueError(f"no drawing for object {name!r}")
