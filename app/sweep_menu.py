"""Engine → Session sweeps: the sweep policy (Off / Around the playhead / Whole session) and
"Sweep this session now", which starts a sweep the user cancelled or the policy leaves off."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from cabinlens.app.player import Player
from cabinlens.app.sweep_policy import AROUND_SPAN, SweepPolicy

TIPS = {
    SweepPolicy.OFF: "Show the results the project holds; run no model when a session opens",
    SweepPolicy.AROUND: f"Sweep the windows within {AROUND_SPAN} frames of the playhead, and again where it goes",
    SweepPolicy.SESSION: "Sweep every window of the session, nearest the playhead first",
}


class SweepMenu:
    """The submenu's actions, checked to match the player's policy."""

    def __init__(self, parent: QMenu, player: Player) -> None:
        self.player = player
        self.menu = parent.addMenu("Session &sweeps")
        self.menu.setToolTipsVisible(True)
        self.group = QActionGroup(self.menu)
        self.group.setExclusive(True)
        self.actions: dict[SweepPolicy, QAction] = {}
        for policy in SweepPolicy:
            action = QAction(policy.label, self.menu, checkable=True)
            action.setToolTip(TIPS[policy])
            action.setChecked(policy is player.sweep_policy)
            action.triggered.connect(lambda _c=False, p=policy: self.choose(p))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[policy] = action
        self.menu.addSeparator()
        self.sweep_now = QAction("Sweep this session &now", self.menu)
        self.sweep_now.setToolTip("Start the open session's sweep: after a Cancel, or with sweeps off (the whole session)")
        self.sweep_now.triggered.connect(player.start_sweep)
        self.menu.addAction(self.sweep_now)

    def choose(self, policy: SweepPolicy) -> None:
        self.player.set_sweep_policy(policy)
        self.actions[policy].setChecked(True)
