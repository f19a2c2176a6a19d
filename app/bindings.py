"""Wiring of the player's views to the one selection model (``AppState``), both directions.

The views know nothing of the state: they emit what the user chose and show what they are given.
Linking a view is one function here, so every view is wired the same way.
"""

from __future__ import annotations

from cabinlens.app.state import AppState
from cabinlens.widgets.playback_bar import PlaybackBar
from cabinlens.widgets.session_browser import SessionBrowser
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.video_view import VideoView


def bind_session_browser(browser: SessionBrowser, state: AppState) -> None:
    browser.sessionChosen.connect(state.set_session)
    state.sessionChanged.connect(browser.select)


def bind_timeline(timeline: Timeline, state: AppState) -> None:
    timeline.frameChosen.connect(state.set_frame)
    state.frameChanged.connect(lambda frame: timeline.follow(frame, state.playing))
    state.trackChanged.connect(timeline.set_current_track)
    timeline.current_track = state.track


def bind_video_view(view: VideoView, state: AppState) -> None:
    view.overlayToggled.connect(lambda on: state.set_overlay(on=on))
    view.opacityChosen.connect(lambda opacity: state.set_overlay(opacity=opacity))
    view.colormapChosen.connect(lambda name: state.set_overlay(colormap=name))
    view.normalisationChosen.connect(lambda name: state.set_overlay(normalisation=name))
    view.lookChosen.connect(lambda look: state.set_overlay(look=look))
    view.evidenceToggled.connect(lambda on: state.set_overlay(evidence=on))
    view.targetChosen.connect(state.set_target)

    def show() -> None:
        view.show_controls(on=state.overlay_on, opacity=state.opacity, colormap=state.colormap,
                           normalisation=state.normalisation, target=state.target, look=state.overlay_look,
                           evidence=state.evidence_on)

    state.overlayChanged.connect(show)
    state.targetChanged.connect(lambda _t: show())
    show()
    bind_playback_bar(view.transport, state)


def bind_playback_bar(bar: PlaybackBar, state: AppState) -> None:
    """Play/pause, go-to, speed and loop to the state; the playhead's time and frame, speed and loop back."""
    bar.playToggled.connect(lambda: state.set_playing(False) if state.playing else state.set_playing(True, abs(state.speed)))
    bar.frameChosen.connect(state.set_frame)
    bar.speedChosen.connect(lambda speed: state.set_speed(speed if state.speed > 0 else -speed))
    bar.loopToggled.connect(state.set_loop)
    state.frameChanged.connect(lambda frame: bar.show_position(frame, state.frame_count, state.fps))
    state.playingChanged.connect(bar.show_playing)
    state.speedChanged.connect(bar.show_speed)
    state.loopChanged.connect(bar.show_loop)
    bar.show_position(state.frame, state.frame_count, state.fps)
    bar.show_playing(state.playing)
    bar.show_speed(state.speed)
    bar.show_loop(state.loop)
