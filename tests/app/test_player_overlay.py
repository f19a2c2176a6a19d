"""The player's overlay in the window on a real project: the colour bar says what the colours mean
under each normalisation, the evidence boxes of the video's evidence file are outlined on the frame
(toggle, kept in the settings), and the contour look leaves the video as it is off its lines."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from cabinlens.engine.explain.evidence import evidence_path, read_evidence
from cabinlens.engine.explain.overlay import EVIDENCE_RGB


def shown(window) -> np.ndarray:
    """The frame the player shows, as an RGB array at the video's size."""
    image = window.video.canvas.pixmap.toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8, count=h * stride).reshape(h, stride)[:, : 3 * w].reshape(h, w, 3).copy()


def white_share(image: np.ndarray, box) -> float:
    """Share of the box's left edge column (inside the frame) drawn in the evidence colour."""
    column = image[max(0, box.y0): min(image.shape[0], box.y1), max(0, box.x0)]
    return float(np.all(column == EVIDENCE_RGB, axis=-1).mean())


def test_colour_bar_evidence_boxes_and_contours_in_the_player(qtbot, window, project, settings):
    from cabinlens.app.main_window import MainWindow

    window.player.sweep_sessions = False
    window.open_project(str(project))
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    view, state, bar = window.video, window.state, window.video.colour_bar
    qtbot.waitUntil(lambda: bar.ramp is not None, timeout=30000)
    assert bar.text().startswith("clip peak = ") and "own maximum" in bar.toolTip()
    state.set_overlay(normalisation="dataset")
    qtbot.waitUntil(lambda: bar.text().startswith("dataset peak = "), timeout=10000)
    state.set_overlay(normalisation="raw")
    qtbot.waitUntil(lambda: bar.text() == "1 raw Eq. 2 … 0", timeout=10000)
    state.set_overlay(on=False)
    qtbot.waitUntil(lambda: bar.text() == "Grad-CAM off", timeout=10000)
    state.set_overlay(on=True, normalisation="clip")

    # Evidence: the synthetic videos have a file; go to a frame with an evidence box in it.
    boxes = read_evidence(evidence_path(window.player.tracks.video))
    qtbot.waitUntil(view.evidence.isEnabled, timeout=10000)
    frame = min((f for f, bs in boxes.items() if any(b.role == "evidence" and b.y1 - b.y0 > 20 for b in bs)),
                key=lambda f: abs(f - state.frame))
    box = next(b for b in boxes[frame] if b.role == "evidence" and b.y1 - b.y0 > 20)
    state.set_frame(frame)
    qtbot.waitUntil(lambda: window.player.latencies and view.labels.text().startswith(f"<b>frame {frame}</b>"), timeout=10000)
    assert white_share(shown(window), box) < 0.5  # off: no outline
    view.evidence.setChecked(True)  # the user's click: read in the background, then drawn
    qtbot.waitUntil(lambda: white_share(shown(window), box) > 0.9, timeout=10000)
    view.evidence.setChecked(False)
    qtbot.waitUntil(lambda: white_share(shown(window), box) < 0.5, timeout=10000)

    # Contours: off the lines, the frame is what the video shows without any overlay.
    state.set_overlay(on=False)
    qtbot.waitUntil(lambda: bar.text() == "Grad-CAM off", timeout=10000)
    plain = shown(window)
    state.set_overlay(on=True)
    qtbot.waitUntil(lambda: bar.ramp is not None, timeout=10000)
    heat = shown(window)
    view.look.setCurrentIndex(view.look.findData("contours"))
    qtbot.waitUntil(lambda: bar.levels != (), timeout=10000)
    contours = shown(window)
    same = lambda a: float(np.all(a == plain, axis=-1).mean())  # noqa: E731
    assert same(heat) < 0.2 and same(contours) > 0.6, (same(heat), same(contours))
    assert "Contour lines at 25%, 50%, 75%" in bar.toolTip()

    # Both choices are kept for the next window.
    view.evidence.setChecked(True)
    assert str(settings.value("overlayLook")) == "contours" and str(settings.value("showEvidence")) == "true"
    again = MainWindow(settings)
    qtbot.addWidget(again)
    try:
        assert again.state.overlay_look == "contours" and again.state.evidence_on
        assert again.video.look.currentData() == "contours" and again.video.evidence.isChecked()
    finally:
        again.close()


def test_the_frame_source_reads_evidence_in_the_background_and_says_when_a_video_has_none(qtbot, project, tmp_path):
    import shutil

    from cabinlens.app.frame_source import FrameRequest, FrameSource
    from cabinlens.engine.analysis.session import sessions
    from cabinlens.engine.analysis.store import Store

    with Store(str(project), readonly=True) as store:
        video = next(s.video for s in sessions(store) if evidence_path(s.video).is_file())
    boxes = read_evidence(evidence_path(video))
    frame, box = next((f, b) for f, bs in sorted(boxes.items()) for b in bs if b.role == "evidence" and b.y1 - b.y0 > 20)
    bare = tmp_path / "bare.ids_1.mp4"
    shutil.copyfile(video, bare)  # the same video without an evidence file beside it
    source = FrameSource()
    got = []
    source.frameReady.connect(lambda f, image, info: got.append((image, info)))
    try:
        ask = lambda path: FrameRequest("", str(path), frame, -1, "pred", False, 0.45, evidence=True)  # noqa: E731
        source.request(ask(bare))
        qtbot.waitUntil(lambda: len(got) == 1, timeout=10000)
        plain, info = got[0]
        assert info.evidence_file is False and info.scale is None and white_share(plain, box) < 0.5
        with qtbot.waitSignal(source.evidenceLoaded, timeout=10000) as loaded:
            source.request(ask(video))  # served at once without boxes; the file is read meanwhile
        assert loaded.args == [str(video), ""]
        qtbot.waitUntil(lambda: len(got) == 2, timeout=10000)
        assert got[1][1].evidence_file is True
        source.request(ask(video))  # what the player does on evidenceLoaded
        qtbot.waitUntil(lambda: len(got) == 3, timeout=10000)
        assert white_share(got[2][0], box) > 0.9 and white_share(got[1][0], box) < 0.5
    finally:
        source.close()
