"""Wiring of the player's views to the one selection model (``AppState``), both directions.

The views know nothing of the state: they emit what the user chose and show what they are given.
Linking a view is one function here, so every view is wired the same way.
"""

from __future__ import annotations

from cabinlens.app.state import AppState
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
    view.targetChosen.connect(state.set_target)

    def show() -> None:
        view.show_controls(on=state.overlay_on, opacity=state.opacity, colormap=state.colormap,
                           normalisation=state.normalisation, target=state.target)

    state.overlayChanged.connect(show)
    state.targetChanged.connect(lambda _t: show())
    show()
