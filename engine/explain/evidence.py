"""Scoring an explanation against where the evidence is: did the Grad-CAM look at the right thing?

The synthetic dataset writes, next to each video, where the class-defining movement or object is
in every annotated frame (``<run>.ids_1.evidence.csv``, format in ``engine.data.synth.render``);
any dataset can provide the same file. For one frame of a clip, with the map laid over the part of
the frame the model sees:

- pointing game (Zhang et al. 2016): is the map's peak inside an evidence box?
- energy share: the share of the map's (positive) mass inside the evidence boxes, beside the
  share of the seen area those boxes cover; their ratio ("lift") is 1 for a map that ignores the
  evidence and grows as the map concentrates on it;
- distractor share: the same mass share on boxes marked ``distractor`` (an object lying in view
  that has nothing to do with the activity), to catch a model that looks at a bias.

The map is upsampled to a grid over the seen region with half-pixel centres (as the overlay draws
it), and a box counts the grid cells whose centres it contains.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cabinlens.engine.errors import InputError

COLUMNS = ("frame", "activity", "part", "role", "x0", "y0", "x1", "y1")
ROLES = ("evidence", "distractor")
GRID = 64  # cells across the seen region: fine next to a layer map of 4x4 to 14x14


@dataclass(frozen=True)
class Box:
    activity: str
    part: str
    role: str
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int


def evidence_path(video: str | Path) -> Path:
    """``<run>.ids_1.mp4`` -> ``<run>.ids_1.evidence.csv`` beside it."""
    video = Path(video)
    return video.with_name(video.name.rsplit(".", 1)[0] + ".evidence.csv")


def read_evidence(path: str | Path) -> dict[int, list[Box]]:
    """The boxes of every frame; a malformed file is refused naming its line and the problem."""
    path = Path(path)
    frames: dict[int, list[Box]] = defaultdict(list)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(path, "is empty (expected the header " + ",".join(COLUMNS) + ")")
            if tuple(h.strip() for h in header) != COLUMNS:
                raise InputError(path, f"header must be {','.join(COLUMNS)}, found {','.join(header)}", line=1)
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(COLUMNS):
                    raise InputError(path, f"{len(row)} fields, expected {len(COLUMNS)}", line=line)
                try:
                    frame, x0, y0, x1, y1 = (int(row[k]) for k in (0, 4, 5, 6, 7))
                except ValueError:
                    raise InputError(path, "frame and box must be integers", line=line) from None
                if frame < 0 or x1 <= x0 or y1 <= y0:
                    raise InputError(path, f"frame {frame} box ({x0},{y0})-({x1},{y1}) is negative or empty", line=line)
                if row[3] not in ROLES:
                    raise InputError(path, f"role {row[3]!r} is not one of {', '.join(ROLES)}", line=line)
                frames[frame].append(Box(row[1], row[2], row[3], x0, y0, x1, y1))
    except UnicodeDecodeError:
        raise InputError(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    return dict(frames)


@dataclass(frozen=True)
class FrameScore:
    hit: bool  # the peak lies on the evidence
    energy: float  # share of the map's mass on the evidence
    area: float  # share of the seen region the evidence covers
    distractor: float | None  # share of the mass on distractors; None without one in view


def _grid(layer_map: np.ndarray, region: tuple[float, float, float, float], grid: int):
    top, left, h, w = region
    gh, gw = (grid, max(1, round(grid * w / h))) if h >= w else (max(1, round(grid * h / w)), grid)
    cam = cv2.resize(np.asarray(layer_map, dtype=np.float32), (gw, gh), interpolation=cv2.INTER_LINEAR)
    ys = top + (np.arange(gh) + 0.5) * h / gh
    xs = left + (np.arange(gw) + 0.5) * w / gw
    return np.maximum(cam, 0.0), ys[:, None], xs[None, :]


def _inside(boxes: list[Box], ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    mask = np.zeros((ys.shape[0], xs.shape[1]), dtype=bool)
    for b in boxes:
        mask |= (xs >= b.x0) & (xs < b.x1) & (ys >= b.y0) & (ys < b.y1)
    return mask


def score_frame(layer_map: np.ndarray, region: tuple[float, float, float, float], evidence: list[Box],
                distractors: list[Box] = (), grid: int = GRID) -> FrameScore | None:
    """The scores of one frame's (H', W') map over ``region`` (top, left, height, width in frame
    pixels); None when no evidence box reaches the seen region."""
    cam, ys, xs = _grid(layer_map, region, grid)
    on = _inside(evidence, ys, xs)
    if not on.any():
        return None
    total = float(cam.sum())
    peak = np.unravel_index(int(np.argmax(cam)), cam.shape)
    hit = total > 0 and bool(on[peak])
    energy = float(cam[on].sum()) / total if total > 0 else 0.0
    distractor = None
    if distractors:
        off = _inside(list(distractors), ys, xs)
        if off.any():
            distractor = float(cam[off].sum()) / total if total > 0 else 0.0
    return FrameScore(hit, energy, float(on.mean()), distractor)
