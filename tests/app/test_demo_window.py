"""The demo in the window: the prepared (cached) demo project opens with a session in the player."""

from __future__ import annotations

from pathlib import Path

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "offscreen"  # not kept: the kept ones are on Xvfb


def test_demo_opens_its_project_with_a_session_playing(qtbot, window, demo_data):
    from cabinlens.engine.demo import PROJECT

    window.player.sweep_sessions = False
    window.start_demo(str(demo_data))

    def ready() -> None:
        assert "demo ready" in window.status.text(), window.status.text()

    qtbot.waitUntil(ready, timeout=60000)
    assert window.state.project == str((demo_data / PROJECT).resolve())  # once it has opened, not before
    assert window.settings.value("recent", [], type=list)[0] == window.state.project
    assert "(cached)" in window.status.text()
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    qtbot.waitUntil(lambda: window.video.canvas.pixmap is not None, timeout=30000)
    first = min(int(t.starts[0]) for t in window.player.tracks.tracks if len(t.starts))
    assert window.state.frame == first > 0  # opens on the first analysed clip, not on unannotated frame 0
    qtbot.waitUntil(lambda: window.video.labels.text().startswith(f"<b>frame {first}</b>"), timeout=30000)
    assert "demo ready" in window.status.text()  # the session job that followed did not report "cancelled"
    assert window.state.session and window.sessions.topLevelItemCount() == 5  # the five val/test drivers
    assert {"i3d_small", "c3d_small", "p3d_small"} <= {t.model for t in window.player.tracks.tracks}
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "demo_window.png"))
