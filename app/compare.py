"""The compare view's controller: panes (a segment under a model and a Grad-CAM class each),
synchronised or free scrubbing and playback, and exports of the layout.

Each pane has a frame source of its own (decoding and overlay off the GUI thread); session tracks
and video rates load on a worker. In synchronised mode one offset drives every pane, each aligned to
its own segment start; in free mode each pane keeps its own offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal

from cabinlens.app.frame_source import FrameInfo, FrameRequest, FrameSource
from cabinlens.app.state import AppState
from cabinlens.app.worker import EngineWorker
from cabinlens.engine.analysis.session import SessionTracks
from cabinlens.engine.clips.panes import PaneSpec, frame_notes
from cabinlens.engine.progress import Message
from cabinlens.widgets.compare_view import EMPTY, CompareView


@dataclass(frozen=True)
class SessionInfo:
    file_id: str
    tracks: SessionTracks
    fps: float


def load_sessions(project: str, file_ids: list[str]) -> Iterator[object]:
    """Each session's tracks (every model) and its video's frame rate."""
    from cabinlens.engine.analysis.session import session_tracks
    from cabinlens.engine.analysis.store import Store
    from cabinlens.engine.video.reader import frame_rate_of

    with Store(project, readonly=True) as store:
        for file_id in file_ids:
            tracks = session_tracks(store, file_id)
            fps = frame_rate_of(tracks.video) if tracks.video else 30.0
            yield SessionInfo(file_id, tracks, fps or 30.0)


@dataclass(eq=False)
class PaneState:
    spec: PaneSpec
    title: str
    source: FrameSource
    offset: int = 0  # free mode
    shown: int = -1  # the frame on screen
    info: FrameInfo | None = field(default=None, repr=False)


class CompareController(QObject):
    message = Signal(object)  # Message for the status bar
    exportAsked = Signal(object, float)  # (specs, scale) of the layout
    pngAsked = Signal(object, object, float)  # (specs, offsets, scale)
    layoutChanged = Signal()  # panes, their models or classes, or sync changed by the user: worth keeping

    def __init__(self, state: AppState, view: CompareView) -> None:
        super().__init__()
        self.state, self.view = state, view
        self.worker = EngineWorker(self)
        self.sessions: dict[str, SessionInfo] = {}
        self.panes: list[PaneState] = []
        self.sync = True
        self.offset = 0
        self.playing = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.worker.progress.connect(self._loaded)
        self.worker.failed.connect(self._failed)
        view.playToggled.connect(self.toggle_play)
        view.offsetMoved.connect(self.set_offset)
        view.syncToggled.connect(self.set_sync)
        view.addModelRequested.connect(self.add_model)
        view.exportRequested.connect(self.request_export)
        view.pngRequested.connect(self.request_png)
        view.paneModelChosen.connect(self.set_pane_model)
        view.paneTargetChosen.connect(self.set_pane_target)
        view.paneOffsetMoved.connect(self.set_pane_offset)
        view.paneCloseRequested.connect(self.remove_pane)
        view.normalisationChosen.connect(self._normalisation_chosen)
        state.overlayChanged.connect(self._overlay_changed)
        state.projectChanged.connect(self._project_changed)

    def _normalisation_chosen(self, value: str) -> None:
        self.state.set_overlay(normalisation=value)

    def _overlay_changed(self) -> None:
        self.view.set_normalisation(self.state.normalisation)
        self.request_all()

    def close(self) -> None:
        self.timer.stop()
        for pane in self.panes:
            pane.source.close()
        self.panes = []
        self.worker.shutdown()

    # ------------------------------------------------------------------ opening
    def open(self, specs: list[PaneSpec], titles: list[str] | None = None, what: str = "", *, announce: bool = True) -> None:
        """Show ``specs`` side by side from their starts, synchronised (``announce``: emit layoutChanged)."""
        self.set_playing(False)
        for pane in self.panes:
            pane.source.close()
        titles = titles or [""] * len(specs)
        self.panes = []
        for spec, title in zip(specs, titles, strict=True):
            self.panes.append(self._new_pane(spec, title))
        self.offset = 0
        self.sync = True
        self.view.set_sync(True)
        self.view.set_pane_count(len(self.panes))
        self.view.title.setText(what or (f"{len(specs)} segments side by side" if specs else EMPTY))
        self._layout_changed(announce)

    def _new_pane(self, spec: PaneSpec, title: str) -> PaneState:
        source = FrameSource()
        pane = PaneState(spec, title, source)
        source.frameReady.connect(partial(self._frame_ready, pane))
        return pane

    def _layout_changed(self, announce: bool = True) -> None:
        missing = sorted({p.spec.file_id for p in self.panes} - set(self.sessions))
        if missing and self.state.project:
            project = self.state.project
            self.worker.submit(lambda _abort: load_sessions(project, missing))
        self.view.set_length(self.length)
        for k in range(len(self.panes)):
            self._refresh_pane(k)
        self._show_offset()
        self.request_all()
        if announce:
            self.layoutChanged.emit()

    def _project_changed(self, _path: str) -> None:
        self.sessions.clear()
        self.open([], announce=False)  # the new project's kept layout must not be overwritten by an empty one

    # ------------------------------------------------------------------ keeping a layout
    def layout(self) -> dict:
        """The layout as plain data (for QSettings): panes, what they show, sync and position."""
        return {
            "what": self.view.title.text() if self.panes else "",
            "sync": self.sync,
            "offset": self.offset,
            "panes": [{"session": p.spec.file_id, "start": p.spec.start, "end": p.spec.end, "model": p.spec.model,
                       "target": p.spec.target, "title": p.title, "offset": p.offset} for p in self.panes],
        }

    def restore(self, layout: dict) -> None:
        """Open a layout made by ``layout()``; a malformed one raises ValueError and changes nothing."""
        try:
            panes = list(layout["panes"])
            specs = [PaneSpec(str(p["session"]), int(p["start"]), int(p["end"]), p.get("model") or None,
                              str(p.get("target", "pred"))) for p in panes]
            titles = [str(p.get("title", "")) for p in panes]
            offsets = [int(p.get("offset", 0)) for p in panes]
            sync, offset, what = bool(layout.get("sync", True)), int(layout.get("offset", 0)), str(layout.get("what", ""))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a compare layout ({exc.__class__.__name__}: {exc})") from None
        if specs:
            self._reopen(specs, titles, what, offsets, sync, offset, announce=False)

    def _reopen(self, specs: list[PaneSpec], titles: list[str], what: str, offsets: list[int], sync: bool,
                offset: int, *, announce: bool) -> None:
        """Open panes at given positions: sync first, since leaving sync moves every pane to the shared offset."""
        self.open(specs, titles, what, announce=announce)
        self.set_sync(sync)
        for pane, o in zip(self.panes, offsets, strict=True):
            pane.offset = max(0, min(o, pane.spec.length - 1))
        self.offset = max(0, min(offset, max(0, self.length - 1)))
        self._show_offset()
        self.request_all()

    def _loaded(self, _generation: int, item: object) -> None:
        if isinstance(item, SessionInfo):
            self.sessions[item.file_id] = item
            for k, pane in enumerate(self.panes):
                if pane.spec.file_id == item.file_id:
                    self._refresh_pane(k)
                    self.request(k)
            if self.playing:
                self._restart_timer()

    def _failed(self, _generation: int, text: str) -> None:
        self.message.emit(Message(text))
        for pane in self.view.panes:
            pane.canvas.show_frame(None, text)

    # ------------------------------------------------------------------ geometry of time
    @property
    def length(self) -> int:
        return max((p.spec.length for p in self.panes), default=0)

    @property
    def fps(self) -> float:
        first = self.sessions.get(self.panes[0].spec.file_id) if self.panes else None
        return first.fps if first else 30.0

    def offset_of(self, k: int) -> int:
        return self.offset if self.sync else self.panes[k].offset

    def frame_of(self, k: int) -> int:
        spec = self.panes[k].spec
        return spec.start + min(self.offset_of(k), spec.length - 1)

    def specs(self) -> list[PaneSpec]:
        return [p.spec for p in self.panes]

    # ------------------------------------------------------------------ user actions
    def set_offset(self, offset: int) -> None:
        offset = max(0, min(int(offset), max(0, self.length - 1)))
        if not self.sync:  # the shared scrubber moves every pane in free mode too, keeping their spacing
            delta = offset - self.offset
            for p in self.panes:
                p.offset = max(0, min(p.offset + delta, p.spec.length - 1))
        self.offset = offset
        self._show_offset()
        self.request_all()

    def set_pane_offset(self, k: int, offset: int) -> None:
        if self.sync or not 0 <= k < len(self.panes):
            return
        pane = self.panes[k]
        pane.offset = max(0, min(int(offset), pane.spec.length - 1))
        self._show_offset()
        self.request(k)

    def set_sync(self, on: bool) -> None:
        if on == self.sync:
            return
        if on:  # every pane back to the shared offset
            self.offset = self.panes[0].offset if self.panes else 0
        else:
            for p in self.panes:
                p.offset = min(self.offset, p.spec.length - 1)
        self.sync = on
        self.view.set_sync(on)
        self._show_offset()
        self.request_all()
        self.layoutChanged.emit()

    def set_pane_model(self, k: int, model: str) -> None:
        if 0 <= k < len(self.panes) and model != self.panes[k].spec.model:
            self.panes[k].spec = replace(self.panes[k].spec, model=model)
            self._refresh_pane(k)
            self.request(k)
            self.layoutChanged.emit()

    def set_pane_target(self, k: int, target: str) -> None:
        if 0 <= k < len(self.panes) and target != self.panes[k].spec.target:
            self.panes[k].spec = replace(self.panes[k].spec, target=target)
            self.request(k)
            self.layoutChanged.emit()

    def remove_pane(self, k: int) -> None:
        if not 0 <= k < len(self.panes):
            return
        keep = [p for j, p in enumerate(self.panes) if j != k]
        self._reopen([p.spec for p in keep], [p.title for p in keep], self.view.title.text(), [p.offset for p in keep],
                     self.sync, self.offset, announce=True)

    def add_model(self) -> None:
        """The first pane's segment again, under a model no pane shows for it yet."""
        if not self.panes:
            return
        first = self.panes[0].spec
        info = self.sessions.get(first.file_id)
        models = list(dict.fromkeys(t.model for t in info.tracks.tracks)) if info else []
        shown = {p.spec.model for p in self.panes if p.spec.file_id == first.file_id and p.spec.start == first.start}
        left = [m for m in models if m not in shown]
        if not left:
            self.message.emit(Message("every model of this session is already shown for that segment"))
            return
        self.panes.append(self._new_pane(replace(first, model=left[0]), "the same segment"))
        self.panes[-1].offset = self.panes[0].offset
        self.view.set_pane_count(len(self.panes))
        self.view.set_sync(self.sync)
        self._layout_changed()

    # ------------------------------------------------------------------ playback and keys
    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, playing: bool) -> None:
        playing = playing and bool(self.panes)
        if playing and self._at_end():
            self.set_offset(0)
            for p in self.panes:
                p.offset = 0
        self.playing = playing
        self.view.set_playing(playing)
        if playing:
            self._restart_timer()
        else:
            self.timer.stop()

    def _restart_timer(self) -> None:
        self.timer.start(max(1, int(round(1000 / self.fps))))

    def _at_end(self) -> bool:
        if self.sync:
            return self.offset >= self.length - 1
        return all(p.offset >= p.spec.length - 1 for p in self.panes)

    def _tick(self) -> None:
        if self._at_end():
            self.set_playing(False)
            return
        self.step(1, keep_playing=True)

    def step(self, frames: int, keep_playing: bool = False) -> None:
        if not keep_playing:
            self.set_playing(False)
        if self.sync:
            self.set_offset(self.offset + frames)
        else:
            for p in self.panes:
                p.offset = max(0, min(p.offset + frames, p.spec.length - 1))
            self._show_offset()
            self.request_all()

    def home(self) -> None:
        self.step(-10**9)

    def end(self) -> None:
        self.step(10**9)

    def jump_segment(self, direction: int) -> None:
        self.home() if direction < 0 else self.end()

    def shuttle(self, direction: int) -> None:
        self.set_playing(direction > 0)

    # ------------------------------------------------------------------ frames
    def request_all(self, *_args) -> None:
        for k in range(len(self.panes)):
            self.request(k)

    def request(self, k: int) -> None:
        pane = self.panes[k]
        info = self.sessions.get(pane.spec.file_id)
        if info is None:
            return
        tracks = info.tracks.of_model(pane.spec.model)
        run = tracks.tracks[0].run_id if tracks.tracks else -1
        pane.source.request(FrameRequest(self.state.project, info.tracks.video, self.frame_of(k), run, pane.spec.target,
                                         self.state.overlay_on, self.state.opacity, tracks, self.state.colormap,
                                         self.state.normalisation, look=self.state.overlay_look))

    def _frame_ready(self, pane: PaneState, frame: int, image, info: FrameInfo) -> None:
        if not any(p is pane for p in self.panes):
            return  # a pane removed meanwhile
        k = next(j for j, p in enumerate(self.panes) if p is pane)
        widget = self.view.panes[k] if k < len(self.view.panes) else None
        if widget is None:
            return
        if info.problem:
            widget.canvas.show_frame(None, info.problem)
            return
        pane.shown, pane.info = frame, info
        widget.canvas.show_frame(image)
        widget.labels.setText(self._labels(k, frame, info.cam_class))
        widget.labels.setToolTip(f"Grad-CAM {info.normalised}" if info.normalised else "")

    def _labels(self, k: int, frame: int, cam_class: str | None) -> str:
        pane = self.panes[k]
        info = self.sessions.get(pane.spec.file_id)
        if info is None:
            return ""
        notes = frame_notes(info.tracks.of_model(pane.spec.model), frame, cam_class)
        parts = [f"#{frame}", f"GT <b>{notes.ground_truth or '–'}</b>"]
        if notes.predicted is None:
            parts.append("<span style='color:#888'>not analysed here</span>")
        else:
            right = notes.right
            colour = "#3a3" if right else ("#d33" if right is False else "#888")
            mark = " ✓" if right else (" ✗" if right is False else "")
            parts.append(f"<span style='color:{colour}'><b>{notes.predicted}</b> {notes.confidence:.0%}{mark}</span>")
        if cam_class:
            parts.append(f"CAM <i>{cam_class}</i>")
        return " · ".join(parts)

    def _refresh_pane(self, k: int) -> None:
        if k >= len(self.view.panes):
            return
        pane, widget = self.panes[k], self.view.panes[k]
        info = self.sessions.get(pane.spec.file_id)
        models = list(dict.fromkeys(t.model for t in info.tracks.tracks)) if info else []
        if info and pane.spec.model is None and models:
            pane.spec = replace(pane.spec, model=models[0])
        widget.set_choices(models or [pane.spec.model or ""], pane.spec.model or "", pane.spec.target)
        widget.set_length(pane.spec.length)
        s = pane.spec
        widget.title.setText(f"<b>{k + 1}.</b> {pane.title + ' · ' if pane.title else ''}{s.file_id} "
                             f"[{s.start}, {s.end})")
        widget.setToolTip(f"{s.file_id}, frames {s.start}-{s.end - 1} ({s.length} frames)")

    def _show_offset(self) -> None:
        self.view.set_length(self.length)
        self.view.set_offset(self.offset, self.length, self.fps)
        for k, pane in enumerate(self.panes):
            if k < len(self.view.panes):
                self.view.panes[k].set_offset(self.offset_of(k), self.frame_of(k))

    # ------------------------------------------------------------------ export
    def request_export(self, *_args) -> None:
        if self.panes:
            self.exportAsked.emit(self.specs(), self.view.export_scale)

    def request_png(self, *_args) -> None:
        if self.panes:
            self.pngAsked.emit(self.specs(), [self.offset_of(k) for k in range(len(self.panes))], self.view.export_scale)
