"""Export annotated clips: one pane (a segment or a session range) or several side by side.

Pipeline: each pane decodes sequentially on a thread of its own (frame-exact: the frames are the
ones sequential decoding yields); this generator reads the project (labels, CAMs) and draws, large
frames on two painter threads; an encoder thread compresses. The stages overlap. The file appears only when complete (``engine.io.atomic_path``); closing the
generator (Cancel) stops the threads and leaves nothing behind.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from cabinlens.engine.analysis.clip_notes import ClipNote
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.clips.draw import Layout, OverlayStyle, banner, canvas_shape, new_canvas, pane_offsets, paint_pane, strip_background
from cabinlens.engine.clips.encode import Mp4Writer
from cabinlens.engine.clips.panes import Pane, PaneSpec, frame_notes, resolve_panes
from cabinlens.engine.clips.sidecar import clip_remarks, write_sidecar
from cabinlens.engine.clips.targets import refuse_project_files
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path
from cabinlens.engine.progress import Message

QUEUE = 12  # frames in flight per stage
PAINTERS = 2  # threads drawing large frames (OpenCV releases the interpreter lock)
POOL_PIXELS = 640 * 480  # smaller frames are drawn in line: handing them over costs more than drawing


@dataclass(frozen=True)
class ExportDone:
    path: Path
    frames: int
    size: tuple[int, int]  # (height, width)
    fps: float
    seconds: float
    models: tuple[str, ...] = ()  # the model each pane shows, in pane order


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def remark_at(found: list[ClipNote], frame: int) -> str:
    """What the banner says of the user's clip at ``frame``: "#tag #tag · note" (nothing outside one)."""
    for n in found:
        if n.frame_start <= frame < n.frame_end:
            tags = " ".join(f"#{t}" for t in n.tags)
            return " · ".join(part for part in (tags, " ".join(n.note.split())) if part)
    return ""


class ClipRenderer:
    """Lays out the panes (the first pane's height, scaled) and draws output frame ``t``.

    Pane ``k`` shows its frame ``start_k + t``: the panes run aligned to their own starts. A pane
    shorter than the clip holds its last frame.
    """

    def __init__(self, panes: list[Pane], infos: list, style: OverlayStyle = OverlayStyle(), scale: float = 1.0,
                 remarks: list[list[ClipNote]] | None = None) -> None:
        """``remarks``: per pane, the tagged or annotated clips it overlaps (``clip_remarks``); when any
        pane has one, every banner gets a line for them (the panes keep one height)."""
        if not panes:
            raise ValueError("nothing to render: no panes")
        if not 0.05 <= scale <= 4:
            raise ValueError(f"scale {scale} is outside 0.05-4")
        self.panes, self.style = panes, style
        self.fps = float(infos[0].fps) or 30.0
        height = _even(infos[0].height * scale)
        self.remarks = remarks or [[] for _ in panes]
        tagged = any(self.remarks)
        self.layouts = [Layout.for_video(_even(info.width * height / info.height), height, height / info.height, tagged)
                        for info in infos]
        self.strips = [strip_background(lay, *p.strip_rows(lay.width)) for p, lay in zip(panes, self.layouts, strict=True)]
        self.length = max(p.spec.length for p in panes)
        self._banners: dict = {}

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of every output frame."""
        return canvas_shape(self.layouts)

    def frame_of(self, k: int, t: int) -> int:
        spec = self.panes[k].spec
        return spec.start + min(t, spec.length - 1)

    def prepare(self, t: int) -> list[tuple]:
        """What output frame ``t`` needs from the project (banner, CAM): on the thread that owns the store."""
        plan = []
        many = len(self.panes) > 1
        for k, (pane, layout) in enumerate(zip(self.panes, self.layouts, strict=True)):
            index = self.frame_of(k, t)
            cam = pane.cam(index)  # once per frame: its class goes in the banner, its map on the frame
            notes = frame_notes(pane.tracks, index, cam[0] if cam else None)
            if layout.remark:
                notes = replace(notes, remark=remark_at(self.remarks[k], index))
            head = banner(layout, notes, self.fps, f"{k + 1}. " if many else "", self._banners,
                          self.style.normalisation if self.style.on else "clip")
            plan.append((head, cam if self.style.on else None, (index - pane.spec.start + 0.5) / pane.spec.length))
        return plan

    def paint(self, plan: list[tuple], frames: list[np.ndarray]) -> np.ndarray:
        """The pixels of a prepared frame; thread-safe (OpenCV releases the interpreter lock)."""
        canvas = new_canvas(self.layouts)
        for x, layout, strip, frame, (head, cam, played) in zip(
                pane_offsets(self.layouts), self.layouts, self.strips, frames, plan, strict=True):
            paint_pane(canvas[: layout.total, x: x + layout.width], layout, frame, cam, self.style, head, strip, played)
        return canvas

    def render(self, t: int, frames: list[np.ndarray]) -> np.ndarray:
        return self.paint(self.prepare(t), frames)


def _open_readers(panes: list[Pane]):
    from cabinlens.engine.video.reader import VideoReader

    readers = []
    try:
        for pane in panes:
            reader = VideoReader(pane.video, cache_bytes=0)
            readers.append(reader)
            if pane.spec.end > reader.frame_count:
                raise InputError(pane.video, f"has {reader.frame_count} frames; the range "
                                 f"[{pane.spec.start}, {pane.spec.end}) of {pane.spec.file_id} ends past them")
    except BaseException:
        for r in readers:
            r.close()
        raise
    return readers


class _Stage(threading.Thread):
    """A pipeline thread: runs ``work(put, stopped)``; an error travels to the consumer."""

    def __init__(self, name: str, work: Callable) -> None:
        super().__init__(name=name)
        self.queue: queue.Queue = queue.Queue(QUEUE)
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._work = work

    def put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        try:
            self._work(self)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self.error = exc
        finally:
            self.put(_END)

    def get(self):
        item = self.queue.get()
        if item is _END and self.error is not None:
            raise self.error
        return item

    def halt(self) -> None:
        self.stop.set()
        while self.is_alive():
            try:
                self.queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self.join()


_END = object()


def _decoder(reader, pane: Pane) -> Callable:
    def work(stage: _Stage) -> None:
        for _, frame in reader.iter_frames(pane.spec.start, pane.spec.end):
            if not stage.put(frame):
                return
    return work


def export_clip(
    project: str | Path,
    specs: list[PaneSpec],
    out: str | Path,
    *,
    style: OverlayStyle = OverlayStyle(),
    scale: float = 1.0,
    encoder_options: dict | None = None,
) -> Iterator[Message | ExportDone]:
    """Yields progress, then ``ExportDone``. Close the generator to cancel (no file is left)."""
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise InputError(out, "an exported clip must be an .mp4 file")
    t0 = time.perf_counter()
    with Store(project, readonly=True) as store:
        refuse_project_files(store, out)
        panes = resolve_panes(store, specs, style.normalisation)
        readers = _open_readers(panes)
        stages: list[_Stage] = []
        painters = ThreadPoolExecutor(PAINTERS, thread_name_prefix="cabinlens-export-paint")
        try:
            renderer = ClipRenderer(panes, [r.info for r in readers], style, scale, clip_remarks(store, specs))
            decoders = [_Stage(f"cabinlens-export-decode-{k}", _decoder(r, p)) for k, (r, p) in enumerate(zip(readers, panes))]
            stages += decoders
            height, width = renderer.shape
            pooled = height * width >= POOL_PIXELS
            with atomic_path(out) as tmp:
                writer = Mp4Writer(tmp, width, height, renderer.fps, encoder_options)
                encoded: queue.Queue = queue.Queue(QUEUE)

                def encode(stage: _Stage) -> None:
                    while True:
                        item = encoded.get()
                        if item is _END or stage.stop.is_set():
                            return
                        writer.write(item)

                encoder = _Stage("cabinlens-export-encode", encode)
                stages.append(encoder)
                for d in decoders:
                    d.start()
                encoder.start()

                def hand_over(image: np.ndarray) -> None:
                    while True:
                        if encoder.error is not None:
                            raise encoder.error
                        try:
                            encoded.put(image, timeout=0.1)
                            return
                        except queue.Full:
                            continue

                last: list[np.ndarray | None] = [None] * len(panes)
                painting: deque[Future] = deque()
                try:
                    for t in range(renderer.length):
                        for k, d in enumerate(decoders):
                            if t < panes[k].spec.length:
                                item = d.get()
                                if item is _END:
                                    raise InputError(panes[k].video, f"ended before frame {panes[k].spec.start + t}")
                                last[k] = item
                        if pooled:
                            painting.append(painters.submit(renderer.paint, renderer.prepare(t), list(last)))
                            if len(painting) >= 2 * PAINTERS:
                                hand_over(painting.popleft().result())
                        else:
                            hand_over(renderer.paint(renderer.prepare(t), last))
                        if t % 10 == 0 or t == renderer.length - 1:
                            yield Message(f"exporting {out.name}: frame {t + 1} of {renderer.length}", t + 1, renderer.length)
                    while painting:
                        hand_over(painting.popleft().result())
                    encoded.put(_END)
                    encoder.join()
                    if encoder.error is not None:
                        raise encoder.error
                    writer.close()
                except BaseException:
                    for f in painting:
                        f.cancel()
                    encoder.stop.set()
                    _drain_put(encoded, _END)
                    encoder.join()
                    writer.abandon()
                    raise
            write_sidecar(store, specs, out, renderer.remarks)  # the tags and notes of the clips shown, if any
        finally:
            painters.shutdown(wait=True, cancel_futures=True)
            for stage in stages:
                if stage.is_alive():
                    stage.halt()
            for r in readers:
                r.close()
    yield ExportDone(out, renderer.length, (height, width), renderer.fps, time.perf_counter() - t0,
                     tuple(p.model for p in panes))


def _drain_put(q: queue.Queue, item) -> None:
    while True:
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            try:
                q.get_nowait()
            except queue.Empty:
                pass


def render_frame(project: str | Path, specs: list[PaneSpec], t: int | list[int], *,
                 style: OverlayStyle = OverlayStyle(), scale: float = 1.0) -> np.ndarray:
    """Output frame ``t`` of the clip ``specs`` would export, as RGB (a PNG of the current frame).

    ``t`` may be one offset per pane (panes scrubbed independently); each shows its frame ``start + t``.
    """
    with Store(project, readonly=True) as store:
        return _render(store, specs, t, style, scale)[0]


def save_frame(project: str | Path, specs: list[PaneSpec], t: int | list[int], out: str | Path, *,
               style: OverlayStyle = OverlayStyle(), scale: float = 1.0) -> tuple[str, ...]:
    """``render_frame`` written as the PNG ``out`` (never over one of the project's files, checked
    before anything is drawn); returns the model each pane shows, so the caller can say whose map is whose."""
    out = _png_target(out)
    with Store(project, readonly=True) as store:
        refuse_project_files(store, out)
        rgb, models = _render(store, specs, t, style, scale)
    write_png(out, rgb)
    return models


def _render(store: Store, specs: list[PaneSpec], t: int | list[int], style: OverlayStyle,
            scale: float) -> tuple[np.ndarray, tuple[str, ...]]:
    panes = resolve_panes(store, specs, style.normalisation)
    readers = _open_readers(panes)
    try:
        renderer = ClipRenderer(panes, [r.info for r in readers], style, scale, clip_remarks(store, specs))
        offsets = list(t) if isinstance(t, list | tuple) else [t] * len(panes)
        if len(offsets) != len(panes):
            raise ValueError(f"{len(offsets)} offsets for {len(panes)} panes")
        frames = [r.frame(renderer.frame_of(k, offsets[k])) for k, r in enumerate(readers)]
        plan = [renderer.prepare(offsets[k])[k] for k in range(len(panes))]
        return renderer.paint(plan, frames), tuple(p.model for p in panes)
    finally:
        for r in readers:
            r.close()


def _png_target(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InputError(path, "a frame is saved as a .png file")
    return path


def write_png(path: str | Path, rgb: np.ndarray, *, project: str | Path | None = None) -> Path:
    """Write ``rgb`` as a PNG atomically; with ``project``, never over one of its files (its videos, itself)."""
    path = _png_target(path)
    if project is not None:
        with Store(project, readonly=True) as store:
            refuse_project_files(store, path)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise InputError(path, "could not be encoded as PNG")
    with atomic_path(path) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return path
