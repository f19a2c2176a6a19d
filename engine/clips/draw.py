"""Drawing an annotated frame: the overlay, a banner with ground truth and prediction above the
video, a timeline strip with the playhead below it, and panes side by side. OpenCV on uint8
arrays only, because this runs once per exported frame and must cost little next to encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import cv2
import numpy as np

from cabinlens.engine.explain.normalisation import LABELS
from cabinlens.engine.clips.panes import FrameNotes
from cabinlens.engine.explain.overlay import overlay
from cabinlens.engine.palette import CORRECT, UNKNOWN, WRONG, class_rgb
from cabinlens.engine.timecode import clock

FONT = cv2.FONT_HERSHEY_SIMPLEX
BACKGROUND = (24, 24, 28)
TEXT = (235, 235, 235)
DIM_TEXT = (170, 170, 175)
REMARK = (255, 205, 90)  # a user's tags and note on the clip: amber, apart from the model's words
GUTTER = 6  # pixels between panes
TEXT_PX = 19  # font height asked of OpenCV at a video's original size: its capitals are about 14 px tall
LINE_PER_TEXT = 1 / 0.55  # a text line's height for its font height (room above and below)


@dataclass(frozen=True)
class OverlayStyle:
    """The overlay as the window shows it: on/off, opacity, colour map, normalisation, look."""

    on: bool = True
    opacity: float = 0.45
    colormap: str = "jet"
    normalisation: str = "clip"  # clip, dataset or raw (engine.analysis.cam_scale)
    dim_outside: float = 0.6
    look: str = "heat"  # heat or contours (engine.explain.overlay_looks)


@dataclass(frozen=True)
class Layout:
    """Sizes of one pane's parts for its video at output size (the text scales with the output)."""

    width: int
    height: int  # the video part
    line: int  # one text line's height
    remark: bool = False  # a line more in the banner for the tags and note a user gave the clip

    @classmethod
    def for_video(cls, width: int, height: int, scale: float = 1.0, remark: bool = False) -> Layout:
        """``width`` x ``height``: the video as drawn, ``scale`` times its original size.

        At original size a line is tall enough for TEXT_PX text (1/36 of a wider video's width), so a
        small video's clip stays readable; at half or double size the text is half or double that."""
        original = width / scale
        line = max(round(TEXT_PX * LINE_PER_TEXT), round(original / 36)) * scale
        return cls(width, height, max(8, round(line)), remark)

    @cached_property
    def stacked(self) -> bool:
        """A narrow pane: the frame stamp gets a line of its own instead of sharing the first one."""
        return self.stamp_width > 0.4 * self.width

    @property
    def banner(self) -> int:
        return (3 if self.stacked else 2) * self.line + self.line // 2 + (self.line + self.line // 6 if self.remark else 0)

    @property
    def strip(self) -> int:
        return self.line + self.line // 3

    @property
    def total(self) -> int:
        return self.banner + self.height + self.strip

    @cached_property
    def font_scale(self) -> float:
        return cv2.getFontScaleFromHeight(FONT, max(4, int(self.line / LINE_PER_TEXT)), 1)

    @property
    def thickness(self) -> int:
        return 1 if self.line < 40 else 2

    @cached_property
    def pad(self) -> int:
        return max(4, self.line // 4)

    @cached_property
    def stamp_width(self) -> int:
        """Room kept for the frame stamp (wide enough for frame 999999 at 99 minutes)."""
        return cv2.getTextSize("#999999  99:59.99", FONT, self.font_scale, self.thickness)[0][0]

    @cached_property
    def baselines(self) -> tuple[int, int, int]:
        """The ground truth's, the prediction's, and (on a stacked banner) the frame stamp's."""
        y1 = self.pad + int(self.line * 0.8)
        step = self.line + self.line // 6
        return y1, y1 + step, y1 + 2 * step

    @property
    def remark_baseline(self) -> int:
        """Below the last line of the model's words."""
        return self.baselines[2 if self.stacked else 1] + self.line + self.line // 6

    @property
    def stamp_at(self) -> tuple[int, int]:
        """Where the frame stamp starts: right on the first line, or left on a line of its own."""
        if self.stacked:
            return self.pad, self.baselines[2]
        return self.width - self.pad - self.stamp_width, self.baselines[0]


def _text(img: np.ndarray, text: str, x: int, baseline: int, layout: Layout, colour=TEXT, max_width: int | None = None) -> int:
    """Draw ``text`` (shortened with '...' to fit ``max_width``); returns the x after it."""
    if max_width is not None:
        text = _fit(text, max_width, layout)
    cv2.putText(img, text, (x, baseline), FONT, layout.font_scale, colour, layout.thickness, cv2.LINE_AA)
    return x + _width(text, layout)


def _width(text: str, layout: Layout) -> int:
    return cv2.getTextSize(text, FONT, layout.font_scale, layout.thickness)[0][0]


def _fit(text: str, max_width: int, layout: Layout) -> str:
    """``text``, or as much of it as fits ``max_width`` with '...'."""
    if _width(text, layout) <= max_width:
        return text
    while len(text) > 1 and _width(text + "...", layout) > max_width:
        text = text[:-1]
    return text + "..."


def banner(layout: Layout, notes: FrameNotes, fps: float, title: str = "",
           cache: dict | None = None, normalisation: str = "clip") -> np.ndarray:
    """Two lines: ground truth with frame and time; the model's prediction, confidence and outcome
    (and, unless per clip, how the Grad-CAM is normalised: a clip travels without the window). A
    layout with a remark line adds the tags and note the user gave the clip under the playhead.

    Everything but the frame stamp changes only from clip to clip, so with a ``cache`` that part is
    drawn once per clip and each frame only adds its stamp.
    """
    key = (layout, replace(notes, frame=-1), title, normalisation)
    static = cache.get(key) if cache is not None else None
    if static is None:
        static = _banner_static(layout, notes, title, normalisation)
        if cache is not None:
            if len(cache) > 64:
                cache.clear()
            cache[key] = static
    img = static.copy()
    cv2.putText(img, f"#{notes.frame}  {clock(notes.frame, fps)}", layout.stamp_at, FONT, layout.font_scale, DIM_TEXT,
                layout.thickness, cv2.LINE_AA)
    return img


def _banner_static(layout: Layout, notes: FrameNotes, title: str, normalisation: str = "clip") -> np.ndarray:
    img = np.empty((layout.banner, layout.width, 3), dtype=np.uint8)
    img[:] = BACKGROUND
    pad = layout.pad
    y1, y2, _ = layout.baselines
    gt = notes.ground_truth or "(no label)"
    room = layout.width - 2 * pad - (0 if layout.stacked else layout.stamp_width + pad)
    first = (img, pad, y1, layout, TEXT, room)
    if layout.remark and notes.remark:
        _text(img, notes.remark, pad, layout.remark_baseline, layout, REMARK, max_width=layout.width - 2 * pad)
    if notes.predicted is None:
        _ground_truth_line(first, title, gt)
        _text(img, f"{notes.model}: not analysed here", pad, y2, layout, DIM_TEXT, max_width=layout.width - 2 * pad)
        return img
    mark, colour = ("right", CORRECT) if notes.right else ("WRONG", WRONG) if notes.right is False else ("", UNKNOWN)
    cam = f"  CAM: {notes.cam_class}" if notes.cam_class and notes.cam_class != notes.predicted else ""
    if normalisation != "clip" and notes.cam_class:
        cam += f"{',' if cam else '  CAM'} {LABELS[normalisation]}"
    if layout.stacked and cam:  # beside the frame stamp, where a narrow pane has room
        x = pad + layout.stamp_width + 2 * pad
        _text(img, cam.strip(), x, layout.baselines[2], layout, DIM_TEXT, max_width=layout.width - x - pad)
        cam = ""
    mark_w = _width(mark, layout) if mark else 0
    # The class name gives way before the confidence does, and the model's name before a readable class.
    tail, least = f" ({notes.confidence:.0%}){cam}", _width("abcdefgh...", layout)
    line = f"{notes.model}: {notes.predicted}{tail}"
    for head in (f"{notes.model}: ", ""):
        room = layout.width - mark_w - 3 * pad - _width(head, layout) - _width(tail, layout)
        if room >= least:
            line = head + _fit(notes.predicted, room, layout) + tail
            break
    # Where the prediction's line has no room for the model's name, the ground truth's line names it:
    # side-by-side panes of different models must say which is which.
    _ground_truth_line(first, f"{title}{notes.model} · " if not line.startswith(f"{notes.model}: ") else title, gt)
    x = _text(img, line, pad, y2, layout, TEXT, max_width=layout.width - mark_w - 3 * pad)
    if mark:
        cv2.rectangle(img, (x + pad // 2, y2 - int(layout.line * 0.75)), (x + pad + mark_w + pad // 2, y2 + layout.line // 6),
                      colour, -1)
        _text(img, mark, x + pad, y2, layout, (255, 255, 255))
    return img


def _ground_truth_line(first: tuple, title: str, gt: str) -> None:
    img, pad, y1, layout, colour, room = first
    _text(img, f"{title}GT: {gt}", pad, y1, layout, colour, max_width=room)


def strip_background(layout: Layout, gt: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """The strip without its playhead: ground-truth classes on top, right/wrong below."""
    img = np.empty((layout.strip, layout.width, 3), dtype=np.uint8)
    img[:] = BACKGROUND
    half = layout.strip // 2
    colours = np.array([class_rgb(int(c)) if c >= 0 else BACKGROUND for c in gt], dtype=np.uint8)
    img[1:half] = colours[None]
    lut = {1: CORRECT, 0: WRONG, -1: UNKNOWN, -2: BACKGROUND}
    img[half + 1: layout.strip - 1] = np.array([lut[int(o)] for o in outcome], dtype=np.uint8)[None]
    return img


def paint_pane(view: np.ndarray, layout: Layout, frame: np.ndarray, cam: tuple[str, np.ndarray, dict] | None,
               style: OverlayStyle, head: np.ndarray, strip: np.ndarray, played: float) -> None:
    """Paint one pane into ``view`` (``layout.total`` x ``layout.width`` of the output canvas):
    banner, the frame with the CAM laid where the model looked, and the strip with its playhead.
    Written in place, because whole-frame copies are what an export pays for most."""
    from cabinlens.engine.video.geometry import input_region

    h, w = layout.height, layout.width
    view[: layout.banner] = head
    video = view[layout.banner: layout.banner + h]
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[:2] != (h, w):
        frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    if style.on and cam is not None:
        _, layer_map, inp = cam
        region = input_region((h, w), tuple(inp["size"]), inp.get("resize", "short_side_center_crop"))
        overlay(frame, layer_map, region, alpha=style.opacity, dim_outside=style.dim_outside,
                colormap=style.colormap, out=video, look=style.look)
    else:
        video[:] = frame
    bottom = view[layout.banner + h: layout.total]
    bottom[:] = strip
    x = int(round(min(max(played, 0.0), 1.0) * (w - 1)))
    bottom[:, max(0, x - 1): x + 2] = (255, 255, 255)


def canvas_shape(layouts: list[Layout]) -> tuple[int, int]:
    """(height, width) of panes side by side with gutters, rounded up to even sizes for yuv420p."""
    height = max(lay.total for lay in layouts)
    width = sum(lay.width for lay in layouts) + GUTTER * (len(layouts) - 1)
    return height + height % 2, width + width % 2


def pane_offsets(layouts: list[Layout]) -> list[int]:
    xs, x = [], 0
    for lay in layouts:
        xs.append(x)
        x += lay.width + GUTTER
    return xs


def new_canvas(layouts: list[Layout]) -> np.ndarray:
    """An output frame: background where no pane paints (gutters, padding), the rest left to the panes."""
    height, width = canvas_shape(layouts)
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    for x, lay in zip(pane_offsets(layouts), layouts, strict=True):
        canvas[lay.total:, x: x + lay.width] = BACKGROUND
        canvas[:, x + lay.width: x + lay.width + GUTTER] = BACKGROUND
    canvas[:, sum(lay.width for lay in layouts) + GUTTER * (len(layouts) - 1):] = BACKGROUND
    return canvas
