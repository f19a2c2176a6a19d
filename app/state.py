"""The one selection model every view observes and updates; views never call each other.

Setters emit only when the value changes, so two views bound to the same property cannot ping-pong.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from cabinlens.engine.explain.overlay_looks import capped, check


class AppState(QObject):
    projectChanged = Signal(str)
    sessionChanged = Signal(str)  # file_id
    frameChanged = Signal(int)
    targetChanged = Signal(str)  # "pred", "gt", "top2" ... "top5"
    trackChanged = Signal(int)  # run id whose CAMs the video view shows
    overlayChanged = Signal()  # on/off, opacity, colour map, normalisation, look, evidence boxes
    playingChanged = Signal(bool)
    speedChanged = Signal(float)  # negative plays backwards
    loopChanged = Signal(bool)  # playback loops the segment under the playhead
    analysisRunChanged = Signal(int)  # run whose metrics and embeddings the analysis panels show
    selectionChanged = Signal(object)  # tuple of sample positions in that run's AnalysisData
    classFilterChanged = Signal(object)  # frozenset of class names (empty: no filter)
    deviceChanged = Signal(str)  # where the engine runs analyses and sweeps: auto, cpu, cuda:N

    def __init__(self) -> None:
        super().__init__()
        self.project = ""
        self.session = ""
        self.frame = 0
        self.frame_count = 0
        self.target = "pred"
        self.track = -1
        self.overlay_on = True
        self.opacity = 0.45
        self.colormap = "jet"
        self.normalisation = "clip"  # Grad-CAM brightness: clip, dataset or raw (engine.analysis.cam_scale)
        self.overlay_look = "heat"  # heat or contours (engine.explain.overlay_looks)
        self.evidence_on = False  # outline the evidence boxes where the video has an evidence file
        self.playing = False
        self.speed = 1.0  # J/L shuttle and the speed box: negative plays backwards
        self.loop = False
        self.fps = 30.0  # the open session's video rate (for times and playback)
        self.analysis_run = -1
        self.selection: tuple[int, ...] = ()
        self.class_filter: frozenset[str] = frozenset()
        self.pending_frame: int | None = None  # where a session being opened should start
        self.device = "auto"

    def set_project(self, path: str) -> None:
        if path != self.project:
            self.project = path
            self.projectChanged.emit(path)

    def set_device(self, device: str) -> None:
        if device != self.device:
            self.device = device
            self.deviceChanged.emit(device)

    def set_session(self, file_id: str) -> None:
        if file_id != self.session:
            self.session = file_id
            self.frame = 0
            self.sessionChanged.emit(file_id)

    def set_frame(self, frame: int) -> None:
        frame = max(0, min(int(frame), max(0, self.frame_count - 1)))
        if frame != self.frame:
            self.frame = frame
            self.frameChanged.emit(frame)

    def set_target(self, target: str) -> None:
        if target != self.target:
            self.target = target
            self.targetChanged.emit(target)

    def set_track(self, run_id: int) -> None:
        if run_id != self.track:
            self.track = run_id
            self.trackChanged.emit(run_id)

    def set_overlay(self, *, on: bool | None = None, opacity: float | None = None, colormap: str | None = None,
                    normalisation: str | None = None, look: str | None = None, evidence: bool | None = None) -> None:
        """Change any of the overlay's settings; one signal when something changed. The opacity is
        capped (``overlay_looks.MAX_OPACITY``) so the video always shows through the map."""
        changed = False
        if look is not None and check(look) != self.overlay_look:
            self.overlay_look, changed = look, True
        if evidence is not None and bool(evidence) != self.evidence_on:
            self.evidence_on, changed = bool(evidence), True
        if opacity is not None:
            opacity = capped(opacity)
        if normalisation is not None and normalisation != self.normalisation:
            self.normalisation, changed = normalisation, True
        if colormap is not None and colormap != self.colormap:
            self.colormap, changed = colormap, True
        if on is not None and on != self.overlay_on:
            self.overlay_on, changed = on, True
        if opacity is not None and abs(opacity - self.opacity) > 1e-6:
            self.opacity, changed = float(opacity), True
        if changed:
            self.overlayChanged.emit()

    def set_playing(self, playing: bool, speed: float | None = None) -> None:
        if speed is not None:
            self.set_speed(speed)
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)

    def set_speed(self, speed: float) -> None:
        if speed and speed != self.speed:
            self.speed = float(speed)
            self.speedChanged.emit(self.speed)

    def set_loop(self, on: bool) -> None:
        if on != self.loop:
            self.loop = on
            self.loopChanged.emit(on)

    def set_analysis_run(self, run_id: int) -> None:
        if run_id != self.analysis_run:
            self.analysis_run = run_id
            self.selection = ()
            self.analysisRunChanged.emit(run_id)

    def set_selection(self, positions) -> None:
        positions = tuple(int(p) for p in positions)
        if positions != self.selection:
            self.selection = positions
            self.selectionChanged.emit(positions)

    def set_class_filter(self, classes) -> None:
        classes = frozenset(classes)
        if classes != self.class_filter:
            self.class_filter = classes
            self.classFilterChanged.emit(classes)

    def go_to(self, file_id: str, frame: int) -> None:
        """Show ``frame`` of session ``file_id`` in the player, opening the session if needed."""
        if file_id == self.session:
            self.set_frame(frame)
        else:
            self.pending_frame = int(frame)
            self.set_session(file_id)
