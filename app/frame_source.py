"""Frames with their Grad-CAM overlay, decoded and composed off the GUI thread.

Requests coalesce: while one frame is being made, newer requests replace each other and only
the latest is served next, so fast scrubbing never queues work. The GUI thread only receives
finished RGB arrays (``frameReady``) and paints them.

A video's evidence file (``engine.explain.evidence``) is read on a thread of its own the first time
its boxes are asked for (a real session's file has a row per box per annotated frame): frames are
served without boxes meanwhile, and ``evidenceLoaded`` tells the player to ask for the frame again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from cabinlens.engine.analysis.cam_scale import CamScales
from cabinlens.engine.analysis.session import SessionTracks, frame_cam
from cabinlens.engine.analysis.store import Store

if TYPE_CHECKING:
    from cabinlens.engine.video.reader import VideoReader


@dataclass(frozen=True)
class FrameRequest:
    project: str
    video: str
    frame: int
    track: int  # run id of the CAM track, -1 none
    target: str
    overlay_on: bool
    opacity: float
    tracks: SessionTracks | None = None
    colormap: str = "jet"
    normalisation: str = "clip"  # see engine.analysis.cam_scale
    asked: float = 0.0  # perf_counter when requested (latency measurement)
    look: str = "heat"  # heat or contours (engine.explain.overlay_looks)
    evidence: bool = False  # outline the frame's evidence boxes, where the video has an evidence file
    fit: tuple[int, int] | None = None  # (width, height) device pixels it is shown in: a larger frame is shrunk here


@dataclass(frozen=True)
class FrameInfo:
    frame: int
    cam_class: str | None
    latency: float  # seconds from request to ready
    problem: str | None = None
    normalised: str | None = None  # how the shown map was normalised, in words (with the divisor)
    scale: tuple[str, float, float] | None = None  # (normalisation, divisor, clip peak) of the shown map
    ramp: np.ndarray | None = None  # (256, 3) RGB: the colour map's colours from 0 to full colour
    evidence_file: bool | None = None  # the video has an evidence file (None: not looked)


class FrameSource(QObject):
    frameReady = Signal(int, object, object)  # frame, RGB array (H, W, 3), FrameInfo
    evidenceLoaded = Signal(str, str)  # video, problem ("" when its evidence file was read)

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._pending: FrameRequest | None = None
        self._stop = False
        self._scales = CamScales()  # dataset divisors, used on the thread only
        self._evidence_lock = threading.Lock()
        self._evidence: dict[str, dict | None] = {}  # video -> boxes per frame; None: no (readable) file
        self._evidence_files: dict[str, bool] = {}  # video -> it has an evidence file (looked up once)
        self._loading: set[str] = set()
        self._thread = threading.Thread(target=self._loop, name="cabinlens-frames")
        self._thread.start()

    def request(self, req: FrameRequest) -> None:
        with self._cond:
            self._pending = replace(req, asked=time.perf_counter())
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join()

    # ------------------------------------------------------------------ worker thread
    def _loop(self) -> None:
        from cabinlens.engine.video.reader import VideoReader  # decoding libraries load here, not at window start

        reader: VideoReader | None = None
        store: Store | None = None
        try:
            while True:
                with self._cond:
                    while self._pending is None and not self._stop:
                        self._cond.wait()
                    if self._stop:
                        return
                    req, self._pending = self._pending, None
                try:
                    if reader is None or str(reader.path) != req.video:
                        if reader is not None:
                            reader.close()
                        reader = VideoReader(req.video)
                    if req.project and (store is None or str(store.path) != req.project):
                        if store is not None:
                            store.close()
                            store = None  # never kept closed: a failed open must not leave it for the next request
                        store = Store(req.project, readonly=True)
                    image, cam_class, normalised, scale, ramp = self._compose(reader, store, req)
                    has_file = self._has_evidence(req.video)
                    if req.evidence and has_file:
                        image = self._draw_evidence(image, req.video, req.frame)
                    if req.fit is not None:
                        from cabinlens.engine.explain.overlay import fit_within

                        image = fit_within(image, req.fit)
                    info = FrameInfo(req.frame, cam_class, time.perf_counter() - req.asked, normalised=normalised,
                                     scale=scale, ramp=ramp, evidence_file=has_file)
                    self.frameReady.emit(req.frame, image, info)
                except Exception as exc:  # noqa: BLE001 - shown in the view, the thread keeps serving
                    self.frameReady.emit(req.frame, None, FrameInfo(req.frame, None, 0.0, str(exc)))
                    reader, store = _closed(reader), _closed(store)  # the next request opens both afresh
        finally:
            if reader is not None:
                reader.close()
            if store is not None:
                store.close()

    # ------------------------------------------------------------------ evidence boxes
    def _has_evidence(self, video: str) -> bool:
        """Whether ``video`` has an evidence file beside it (looked up once per video, on this thread)."""
        known = self._evidence_files.get(video)
        if known is None:
            from cabinlens.engine.explain.evidence import evidence_path

            known = self._evidence_files[video] = evidence_path(video).is_file()
        return known

    def _draw_evidence(self, image: np.ndarray, video: str, frame: int) -> np.ndarray:
        """``image`` with the frame's boxes outlined, once the file is read; starts reading it otherwise."""
        with self._evidence_lock:
            if video not in self._evidence:
                if video not in self._loading:
                    self._loading.add(video)
                    threading.Thread(target=self._read_evidence, args=(video,), name="cabinlens-evidence",
                                     daemon=True).start()
                return image
            boxes = (self._evidence[video] or {}).get(frame)
        if not boxes:
            return image
        from cabinlens.engine.explain.overlay import draw_boxes

        image = image.copy() if not image.flags.writeable else image
        return draw_boxes(image, boxes)

    def _read_evidence(self, video: str) -> None:
        from cabinlens.engine.explain.evidence import evidence_path, read_evidence

        problem = ""
        try:
            boxes = read_evidence(evidence_path(video))
        except Exception as exc:  # noqa: BLE001 - said in the status bar; the video plays on without boxes
            boxes, problem = None, f"evidence boxes not shown: {exc}"
        with self._evidence_lock:
            self._evidence[video] = boxes
            self._loading.discard(video)
            stopped = self._stop
        if not stopped:
            self.evidenceLoaded.emit(video, problem)

    # ------------------------------------------------------------------ overlay
    def _compose(self, reader: VideoReader, store: Store | None, req: FrameRequest
                 ) -> tuple[np.ndarray, str | None, str | None, tuple[str, float, float] | None, np.ndarray | None]:
        import cv2

        from cabinlens.engine.explain.overlay import colour_ramp, overlay
        from cabinlens.engine.video.geometry import input_region

        frame = reader.frame(min(req.frame, reader.frame_count - 1))
        if not req.overlay_on or store is None or req.tracks is None:
            return frame, None, None, None, None
        # The chosen run first; where it has no analysed sample yet (a sweep still filling in), the same
        # model's other run that has one, so the overlay never silently disappears nor shows another model.
        chosen = next((t for t in req.tracks.tracks if t.run_id == req.track), None)
        ordered = sorted((t for t in req.tracks.tracks if chosen is None or t.model == chosen.model),
                         key=lambda t: t.run_id != req.track)
        found, track = None, None
        for candidate in ordered:
            found = frame_cam(store, candidate, req.frame, req.target)
            if found is not None:
                track = candidate
                break
        if found is None or track is None:
            return frame, None, None, None, None
        cls, cam, peak = found
        divisor, normalised = self._scales.resolve(store, track.run_id, req.normalisation, peak)
        inp = track.spec["input"]
        h, w = inp["size"]
        upsampled = cv2.resize(cam / divisor, (w, h), interpolation=cv2.INTER_LINEAR)
        region = input_region(frame.shape[:2], (h, w), inp.get("resize", "short_side_center_crop"))
        name = track.classes[cls] if cls < len(track.classes) else str(cls)
        if track.run_id != req.track:
            name += f" (from {track.model}'s {track.kind} run: the chosen run has no result here yet)"
        image = overlay(frame, upsampled, region, alpha=req.opacity, dim_outside=0.6, colormap=req.colormap, look=req.look)
        return image, name, normalised, (req.normalisation, float(divisor), float(peak)), colour_ramp(req.colormap)


def _closed(resource) -> None:
    """Close a reader or store that may already be broken; None for the caller to forget it."""
    if resource is not None:
        try:
            resource.close()
        except Exception:  # noqa: BLE001 - it is being dropped because it failed
            pass
    return None
