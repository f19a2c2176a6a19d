"""The session player's controller: session loading, frame requests, playback and the keyboard.

It wires the state to the frame source and the engine worker; the views only observe the state.
Keys like a video editor's (app.keyboard's table): Space play/pause, Left/Right one frame,
Shift+Left/Right one segment, J/K/L shuttle, Home/End, wherever the focus is but in a text field.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from cabinlens.app import overlay_choice
from cabinlens.app.dispatch import Dispatch
from cabinlens.app.frame_source import FrameInfo, FrameRequest, FrameSource
from cabinlens.app.jobs import SessionLoaded, open_session
from cabinlens.app.keyboard import EditorKeys
from cabinlens.app.playback import Playback
from cabinlens.app.run_choice import KeptRunChoices, choice_of, describe, labels, resolve
from cabinlens.app.state import AppState
from cabinlens.app.sweep_policy import SweepHolds, SweepPolicy, keep_policy, kept_policy
from cabinlens.app.worker import EngineWorker
from cabinlens.engine.analysis.session import SessionTracks
from cabinlens.engine.explain.methods import WEIGHT_WORDS, map_words
from cabinlens.engine.explain.overlay_looks import CONTOUR_LEVELS
from cabinlens.engine.progress import Message
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.video_view import VideoView

RESWEEP_DISTANCE = 300  # frames: a playhead this far from the sweep's centre restarts it there


class Player(QObject):
    message = Signal(object)  # Message for the status bar

    def __init__(self, state: AppState, worker: EngineWorker, view: VideoView, timeline: Timeline,
                 settings: QSettings | None = None) -> None:
        """``settings``: where the run shown per project and the sweep policy are kept (none: not kept)."""
        super().__init__()
        self.state, self.worker, self.view, self.timeline = state, worker, view, timeline
        self.frames = FrameSource()
        self.frames.frameReady.connect(self._frame_ready)
        self.frames.evidenceLoaded.connect(self._evidence_loaded)
        self.tracks: SessionTracks | None = None
        self.fps = 30.0
        self.sweep_centre = 0
        self.sweeping = False
        self.session_generation = -1
        self.latencies: list[float] = []
        self.sweep_sessions = True  # False: never sweep, whatever the policy (embedding the player, tests)
        self.settings = settings
        self.sweep_policy = kept_policy(settings)
        self.holds = SweepHolds()  # sessions whose sweep the user cancelled
        self.started: set[tuple[str, str]] = set()  # sessions the user asked to sweep (policy Off or held)
        self.sweep_running = False  # the session job sweeps (or is about to): from its start to its end
        self._counted = False  # the session job's sweep has said a count (it had a model to run)
        self.unsweepable: set[tuple[str, str]] = set()  # no model of the project can sweep these sessions
        self._last_tracks = 0.0
        self._pending_tracks: SessionTracks | None = None
        self._load_after_job = False  # another job superseded the session's load: load it when that job ends
        self._weights_note = ""  # the shown run and its Grad-CAM weighting
        self._method = "clip"  # how the shown run's maps were made (explain.gradcam.METHODS)
        self._normalised_note = "normalised per clip"
        self.kept_runs = KeptRunChoices(settings)
        self.loop_segment: tuple[int, int] | None = None  # the segment playback loops, while it does
        view.canvas.resized.connect(self.request_frame)
        self.playback = Playback()
        self.playback.frameDue.connect(self.state.set_frame)
        self.playback.ended.connect(lambda: self.state.set_playing(False))
        self.playback.rateChanged.connect(self.view.transport.show_rate)
        view.runChosen.connect(self.choose_run)
        overlay_choice.restore(settings, state)  # the look and the evidence toggle the user left
        state.overlayChanged.connect(lambda: overlay_choice.keep(settings, state))
        self._route = Dispatch({SessionLoaded: self._session_loaded, SessionTracks: self._tracks_grew,
                                Message: self._sweep_message})
        state.sessionChanged.connect(self._open_session)
        state.projectChanged.connect(lambda _path: self.forget_session("opening the project's session ..."))
        for sig in (state.frameChanged, state.targetChanged, state.trackChanged, state.overlayChanged):
            sig.connect(self.request_frame)
        state.frameChanged.connect(self._maybe_resweep)
        state.playingChanged.connect(self._playing)
        state.speedChanged.connect(lambda _s: self._restart_playback())
        state.loopChanged.connect(lambda _on: self._restart_playback())
        state.frameChanged.connect(self._moved_while_playing)
        worker.progress.connect(self._job_progress)
        worker.failed.connect(self._job_failed)
        worker.finished.connect(self._job_finished)
        worker.cancelled.connect(self._job_cancelled)
        for ended in (worker.finished, worker.failed, worker.cancelled):
            ended.connect(self._load_if_superseded)

    def close(self) -> None:
        self.playback.stop()
        self.frames.close()

    # ------------------------------------------------------------------ sessions
    def _open_session(self, file_id: str, near: int = 0) -> None:
        if not file_id or not self.state.project:
            return
        if self.state.pending_frame is not None:  # opened to show one clip (a panel's click)
            near, self.state.pending_frame = self.state.pending_frame, None
        if self.tracks is not None and self.tracks.file_id != file_id:
            # Never another session's frames, tracks and labels under this session's name while it loads.
            self.forget_session(f"opening {file_id} ...")
        self._load_after_job = False
        self.sweep_centre = near
        project = self.state.project
        sweep, span = self.sweep_plan(file_id)
        device = self.state.device
        self.sweep_running, self.sweeping, self._counted = sweep, False, False
        self.session_generation = self.worker.submit(
            lambda abort: open_session(project, file_id, near, abort, sweep, device=device, span=span))

    def forget_session(self, message: str = "") -> None:
        """Show no session: another project opened, and none of its sessions has loaded yet."""
        self.tracks, self._pending_tracks = None, None
        self.timeline.set_tracks(None)
        self.view.canvas.show_frame(None, message)
        self.view.colour_bar.clear("no\nsession")
        self.view.set_evidence_available(None)

    def reopen(self) -> None:
        """Load the open session again where the playhead is: another job superseded its sweep and failed."""
        self._open_session(self.state.session, self.state.frame)

    # ------------------------------------------------------------------ sweeps
    def sweep_plan(self, file_id: str) -> tuple[bool, int | None]:
        """Whether opening ``file_id`` sweeps it, and how far from the playhead (None: all of it)."""
        key = (self.state.project, file_id)
        if not self.sweep_sessions or self.holds.held(*key):
            return False, None
        if key in self.started:  # the user's own start: the policy's reach, or all of it when sweeps are off
            return True, self.sweep_policy.span
        return self.sweep_policy is not SweepPolicy.OFF and key not in self.unsweepable, self.sweep_policy.span

    def set_sweep_policy(self, policy: SweepPolicy) -> None:
        """The user's choice, kept; the open session follows it at once unless another job is running."""
        if policy is self.sweep_policy:
            return
        self.sweep_policy = policy
        keep_policy(self.settings, policy)
        self.started.clear()  # the new choice rules every session again (a cancelled one stays held)
        if self.tracks is not None and self.worker.is_current(self.session_generation):
            self._open_session(self.state.session, self.state.frame)

    def start_sweep(self) -> None:
        """The user starts the open session's sweep: a cancelled one again, or one the policy leaves off."""
        if not self.state.session or not self.state.project:
            return
        key = (self.state.project, self.state.session)
        self.holds.release(*key)
        self.started.add(key)
        self._open_session(self.state.session, self.state.frame)

    def _maybe_resweep(self, frame: int) -> None:
        """Sweep where the playhead went: at once while sweeping far from it; after an "around the
        playhead" sweep, once the playhead nears the edge of what it covered. Never over another job."""
        if self.state.playing or self.tracks is None or not self.worker.is_current(self.session_generation):
            return
        sweep, span = self.sweep_plan(self.state.session)
        distance = abs(frame - self.sweep_centre)
        if not sweep:
            return
        if (self.sweeping and distance > RESWEEP_DISTANCE) or \
                (not self.sweep_running and span is not None and distance > span - RESWEEP_DISTANCE):
            self._open_session(self.state.session, frame)

    def _job_progress(self, generation: int, item: object) -> None:
        if generation != self.session_generation:
            if isinstance(item, Message):
                self.message.emit(item)
            return
        self._route(item)

    def _session_loaded(self, item: SessionLoaded) -> None:
        first = self.tracks is None or self.tracks.file_id != item.tracks.file_id
        self.fps = item.fps or 30.0
        self.state.fps = self.fps
        self.state.frame_count = item.frame_count
        self._set_tracks(item.tracks, item.frame_count)
        if first:
            self.state.frame = -1  # force the first request
            start = self.sweep_centre or _first_clip(item.tracks)
            self.state.set_frame(start)
            if self.sweep_running and abs(start - self.sweep_centre) > RESWEEP_DISTANCE:
                self._open_session(item.tracks.file_id, start)  # sweep where the session starts, not at frame 0

    def _tracks_grew(self, item: SessionTracks) -> None:
        # Redrawing hundreds of bars costs the GUI thread; fill the tracks in about once a second.
        now = time.monotonic()
        if now - self._last_tracks >= 1.0:
            self._last_tracks = now
            self._set_tracks(item, self.state.frame_count)
            self.request_frame()
        else:
            self._pending_tracks = item

    def _sweep_message(self, item: Message) -> None:
        self.sweeping = item.total > 0 and item.done < item.total
        self._counted = self._counted or item.total > 0
        self.message.emit(item)

    def _job_finished(self, generation: int, _value: object) -> None:
        if generation == self.session_generation:
            if self.sweep_running and not self._counted:  # no model to sweep with (checkpoints gone): not again
                self.unsweepable.add((self.state.project, self.state.session))
            self.sweeping = self.sweep_running = False
            if self._pending_tracks is not None:
                self._set_tracks(self._pending_tracks, self.state.frame_count)
                self._pending_tracks = None
                self.request_frame()

    def _job_failed(self, generation: int, text: str) -> None:
        if generation == self.session_generation:
            if self.sweep_running:  # said once (the window shows the error); moving the playhead does not retry it
                self.holds.hold(self.state.project, self.state.session)
            self.sweeping = self.sweep_running = False

    def _job_cancelled(self, generation: int) -> None:
        """The session's job stopped: superseded by another job, or cancelled by the user. The user's
        Cancel (nothing newer was submitted) holds this session's sweep until the user starts it again."""
        if generation != self.session_generation:
            return
        if self.worker.is_current(generation) and self.sweep_running:
            self.holds.hold(self.state.project, self.state.session)
            self.started.discard((self.state.project, self.state.session))
        elif not self.worker.is_current(generation) and self.state.session and (
                self.tracks is None or self.tracks.file_id != self.state.session):
            self._load_after_job = True  # e.g. the panels' load of the session's run came before it loaded
        self.sweeping = self.sweep_running = False

    def _load_if_superseded(self, generation: int, *_args) -> None:
        """The job that superseded the session's load ended: load the session now (its sweep follows the policy)."""
        if self._load_after_job and self.worker.is_current(generation) and generation != self.session_generation:
            self._load_after_job = False
            self._open_session(self.state.session, self.sweep_centre)  # where it was asked to open

    def cancelled_text(self, generation: int) -> str:
        """What the status line says when the user cancelled job ``generation``: for this session's sweep, how it resumes."""
        if generation == self.session_generation and self.holds.held(self.state.project, self.state.session):
            return "sweep cancelled for this session; Engine → Session sweeps → Sweep this session now resumes it"
        return "cancelled"

    def _set_tracks(self, tracks: SessionTracks, frame_count: int) -> None:
        self.tracks = tracks
        # The user's run for this project, found again on this session (never "whichever sweep exists").
        current = resolve(tracks.tracks, self.kept_runs.get(self.state.project))
        if current is not None:
            self.state.set_track(current.run_id)
        self.view.set_runs([(t.run_id, text, t.name or text) for t, text in zip(tracks.tracks, labels(tracks.tracks), strict=True)],
                           self.state.track)
        if current is not None:
            self._method = current.cam_mode
            weights = WEIGHT_WORDS.get(current.cam_mode)
            self._weights_note = (f"weights {weights} · " if weights else "") + f"{current.shown} ({current.kind})"
            self._show_mode_note()
        self.timeline.set_tracks(tracks, frame_count)

    def _show_mode_note(self) -> None:
        # How the colours read comes first: the line is clipped on narrow windows (the tooltip has it all).
        self.view.set_mode_note(f"{self._method_words()} " + " · ".join(p for p in (self._normalised_note, self._weights_note) if p))

    def _method_words(self) -> str:
        """How the shown run's maps were made."""
        return map_words(self._method)

    # ------------------------------------------------------------------ frames
    def request_frame(self, *_args) -> None:
        if self.tracks is None:
            return
        self.frames.request(FrameRequest(self.state.project, self.tracks.video, self.state.frame, self.state.track,
                                         self.state.target, self.state.overlay_on, self.state.opacity, self.tracks,
                                         self.state.colormap, self.state.normalisation, look=self.state.overlay_look,
                                         evidence=self.state.evidence_on, fit=self.view.canvas.device_size()))

    def _frame_ready(self, frame: int, image, info: FrameInfo) -> None:
        if self.tracks is None:  # asked for before the session changed: not this session's frame
            return
        if info.problem:
            self.view.canvas.show_frame(None, info.problem)
            self.message.emit(Message(info.problem))
            return
        self.latencies.append(info.latency)
        if info.normalised and info.normalised != self._normalised_note:
            self._normalised_note = info.normalised
            self._show_mode_note()
        self.view.canvas.show_frame(image)
        self._show_scale(info)
        self.view.set_evidence_available(info.evidence_file)
        self.playback.drawn()
        shown = next((t for t in self.tracks.tracks if t.run_id == self.state.track), None) if self.tracks else None
        self.view.set_labels(frame, self._ground_truth(frame), self._predictions(frame), info.cam_class,
                             self.state.target, describe(shown) if shown else "", self._method_words())

    def _show_scale(self, info: FrameInfo) -> None:
        """The colour bar says how the shown frame's colours read (none where it shows no map)."""
        if info.scale is None or info.ramp is None:
            self.view.colour_bar.clear("Grad-CAM\noff" if not self.state.overlay_on else "no Grad-CAM\nhere")
            return
        levels = CONTOUR_LEVELS if self.state.overlay_look == "contours" else ()
        self.view.colour_bar.show_scale(info.ramp, *info.scale, levels=levels)

    def _evidence_loaded(self, video: str, problem: str) -> None:
        """The video's evidence file was read in the background: draw its boxes on the shown frame."""
        if self.tracks is None or video != self.tracks.video:
            return
        if problem:
            self.message.emit(Message(problem))
        elif self.state.evidence_on:
            self.request_frame()

    def _ground_truth(self, frame: int) -> str | None:
        if self.tracks is None:
            return None
        return self.tracks.ground_truth_at(frame)

    def _predictions(self, frame: int) -> list[tuple[str, str, float, bool | None]]:
        out = []
        for t in self.tracks.tracks if self.tracks else []:
            k = t.at(frame)
            if k is None:
                continue
            right = None if t.labels[k] < 0 else bool(t.predicted[k] == t.labels[k])
            out.append((f"{t.shown} {t.kind}", t.classes[t.predicted[k]], float(t.confidence[k]), right))
        return out

    def choose_run(self, run_id: int) -> None:
        """The user chose whose prediction and Grad-CAM to show: shown now, and kept for this project."""
        track = next((t for t in self.tracks.tracks if t.run_id == run_id), None) if self.tracks else None
        if track is None:
            return
        self.kept_runs.keep(self.state.project, choice_of(track))
        self.state.set_track(run_id)
        self._set_tracks(self.tracks, self.state.frame_count)  # the mode note and the picker follow

    # ------------------------------------------------------------------ playback and keys
    def _playing(self, playing: bool) -> None:
        """Playback keeps the video's time (app.playback): frames decoding cannot make in time are skipped."""
        if playing:
            self._restart_playback()
        else:
            self.playback.stop()
            self.loop_segment = None
            self.view.transport.show_loop(self.state.loop)
            self._maybe_resweep(self.state.frame)  # played far from the sweep: it follows now

    def _restart_playback(self) -> None:
        """(Re)start the clock at the playhead with the state's speed and loop."""
        if not self.state.playing:
            return
        frame = self.state.frame
        if not self.state.loop:
            self.loop_segment = None
        elif self.loop_segment is None or not self.loop_segment[0] <= frame < self.loop_segment[1]:
            self.loop_segment = self.segment_at(frame)  # kept while the playhead stays inside it
        self.view.transport.show_loop(self.state.loop, self.loop_segment)
        self.playback.start(frame, self.fps, self.state.speed, self.state.frame_count, self.loop_segment)

    def _moved_while_playing(self, frame: int) -> None:
        if self.state.playing and frame != self.playback.last:  # a click, a drag or a go-to: play on from there
            self._restart_playback()

    def segment_at(self, frame: int) -> tuple[int, int] | None:
        """The ground-truth segment under ``frame``, else the analysed clip under it (what a loop plays)."""
        if self.tracks is None:
            return None
        segment = self.tracks.segment_at(frame)
        if segment is not None:
            return segment[0], segment[1]
        found = self.tracks.sample_at(frame)
        return (int(found[0].starts[found[1]]), int(found[0].ends[found[1]])) if found else None

    def step(self, frames: int) -> None:
        self.state.set_playing(False)
        self.state.set_frame(self.state.frame + frames)

    def jump_segment(self, direction: int) -> None:
        if self.tracks is None:
            return
        edges = self.tracks.boundaries()
        f = self.state.frame
        targets = edges[edges > f] if direction > 0 else edges[edges < f]
        if targets.size:
            self.state.set_frame(int(targets[0] if direction > 0 else targets[-1]))

    def shuttle(self, direction: int) -> None:
        """J/L: play in that direction; pressed again while playing that way, twice as fast (up to 8x)."""
        if direction == 0:
            self.state.set_playing(False)
            return
        same = self.state.playing and np.sign(self.state.speed) == direction
        speed = min(8.0, abs(self.state.speed) * 2) if same else 1.0
        self.state.set_playing(False)
        self.state.set_playing(True, speed * direction)

    def toggle_play(self) -> None:
        self.state.set_playing(not self.state.playing, abs(self.state.speed) if not self.state.playing else None)

    def home(self) -> None:
        self.state.set_frame(0)

    def end(self) -> None:
        self.state.set_frame(self.state.frame_count - 1)

    def install_shortcuts(self, window: QWidget, route=None) -> EditorKeys:
        """The editor keys on ``window`` wherever its focus is (app.keyboard); ``route()`` says which
        controller gets them (default: this player)."""
        return EditorKeys(window, route or (lambda: self))


def _first_clip(tracks: SessionTracks) -> int:
    """Where a newly opened session starts: its first analysed clip (frame 0 is often unannotated)."""
    starts = [int(t.starts[0]) for t in tracks.tracks if t.kind == "split" and len(t.starts)]
    return min(starts, default=0)
