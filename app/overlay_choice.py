"""The overlay's look and the evidence-box toggle, kept in QSettings across sessions of the window.

Read once when the player starts and written whenever the state's overlay changes; a value edited
by hand into something unknown is ignored, so the window starts with the defaults instead of failing.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from cabinlens.app.state import AppState
from cabinlens.engine.explain.overlay_looks import LOOKS

OVERLAY_LOOK = "overlayLook"  # QSettings: heat or contours
SHOW_EVIDENCE = "showEvidence"  # QSettings: "true" or "false"


def restore(settings: QSettings | None, state: AppState) -> None:
    """The kept look and evidence toggle into ``state`` (nothing kept: the state's defaults)."""
    if settings is None:
        return
    look = str(settings.value(OVERLAY_LOOK, state.overlay_look))
    evidence = str(settings.value(SHOW_EVIDENCE, "true" if state.evidence_on else "false")).lower() == "true"
    state.set_overlay(look=look if look in LOOKS else None, evidence=evidence)


def keep(settings: QSettings | None, state: AppState) -> None:
    """The state's look and evidence toggle into ``settings``, when they differ from what is kept."""
    if settings is None:
        return
    if str(settings.value(OVERLAY_LOOK, "")) != state.overlay_look:
        settings.setValue(OVERLAY_LOOK, state.overlay_look)
    evidence = "true" if state.evidence_on else "false"
    if str(settings.value(SHOW_EVIDENCE, "")).lower() != evidence:
        settings.setValue(SHOW_EVIDENCE, evidence)
