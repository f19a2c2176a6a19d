"""Annotated clip export, checked by decoders and parsers other than the writer's."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from cabinlens.engine.analysis.session import session_tracks, sessions
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.clips.draw import Layout, OverlayStyle
from cabinlens.engine.clips.export import ExportDone, export_clip, render_frame
from cabinlens.engine.clips.panes import PaneSpec, resolve_panes
from cabinlens.engine.errors import InputError
from cabinlens.engine.video.geometry import input_region
from cabinlens.engine.video.reader import VideoReader


@pytest.fixture(scope="module")
def project(demo_data) -> Path:
    from cabinlens.engine.demo import PROJECT

    return demo_data / PROJECT


@pytest.fixture(scope="module")
def segments(project):
    """The first session's ground-truth segments (start, end, class) and its file id and video."""
    with Store(project, readonly=True) as store:
        file_id = sessions(store)[0].file_id
        tracks = session_tracks(store, file_id)
    return file_id, tracks.video, [g for g in tracks.ground_truth if g[1] - g[0] >= 40]


def _changed(x: np.ndarray, y: np.ndarray) -> float:
    """Share of pixels that differ by more than compression noise (motion between frames)."""
    return float((np.abs(x.astype(np.int16) - y.astype(np.int16)).max(-1) > 24).mean())


def _run(gen):
    items = list(gen)
    assert isinstance(items[-1], ExportDone)
    return items


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    """Top-level (type, offset, size) of an ISO-BMFF byte range."""
    end = len(data) if end is None else end
    out, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        out.append((kind.decode("latin-1"), pos, size, header))
        pos += size if size else end - pos
    return out


def _avcc(data: bytes) -> bytes:
    at = data.find(b"avcC")
    assert at > 0, "no avcC box: not H.264 in MP4"
    size = struct.unpack(">I", data[at - 4:at])[0]
    return data[at + 4: at - 4 + size]


def test_exported_clip_is_browser_playable_h264_checked_by_opencv_and_the_bytes(project, segments, tmp_path):
    file_id, _, segs = segments
    a, b, _ = segs[0]
    out = tmp_path / "clip.mp4"
    items = _run(export_clip(project, [PaneSpec(file_id, a, b)], out))
    done = items[-1]
    assert done.frames == b - a and out.exists() and not list(tmp_path.glob(".*part"))
    assert items[-2].done == items[-2].total == b - a

    cap = cv2.VideoCapture(str(out))  # OpenCV's own FFmpeg build: a decoder independent of PyAV
    assert cap.isOpened()
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode()
    assert fourcc.lower() in ("avc1", "h264")
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30.0)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    assert (h, w) == done.size and w % 2 == 0 and h % 2 == 0
    decoded = 0
    while cap.read()[0]:
        decoded += 1
    cap.release()
    assert decoded == b - a

    data = out.read_bytes()
    kinds = [k for k, *_ in _boxes(data)]
    assert kinds.index("moov") < kinds.index("mdat"), "index at the front (+faststart) for streaming"
    avcc = _avcc(data)
    profile = avcc[1]
    assert profile == 100, "High profile"
    # High-profile avcC carries chroma_format (1 = 4:2:0) and bit depths after the parameter sets.
    pos = 6
    for _ in range(avcc[5] & 0x1F):  # sequence parameter sets
        pos += 2 + struct.unpack(">H", avcc[pos:pos + 2])[0]
    n_pps, pos = avcc[pos], pos + 1
    for _ in range(n_pps):  # picture parameter sets
        pos += 2 + struct.unpack(">H", avcc[pos:pos + 2])[0]
    chroma_format = avcc[pos] & 0x03
    luma_bits = (avcc[pos + 1] & 0x07) + 8
    assert (chroma_format, luma_bits) == (1, 8), "yuv420p, 8 bit"


def test_panes_show_the_right_frames_aligned_to_their_own_starts(project, segments, tmp_path):
    file_id, video, segs = segments
    (a1, b1, _), (a2, b2, _) = segs[0], segs[1]
    specs = [PaneSpec(file_id, a1, b1), PaneSpec(file_id, a2, b2)]
    out = tmp_path / "pair.mp4"
    _run(export_clip(project, specs, out, style=OverlayStyle(on=False)))
    with VideoReader(video) as reader:
        info = reader.info
        layout = Layout.for_video(info.width, info.height)
        cap = cv2.VideoCapture(str(out))
        length = max(b1 - a1, b2 - a2)
        distinct = 0
        for t in range(length):
            ok, bgr = cap.read()
            assert ok
            rgb = bgr[..., ::-1].astype(np.int16)
            left = rgb[layout.banner: layout.banner + info.height, : info.width]
            right_x = info.width + 6
            right = rgb[layout.banner: layout.banner + info.height, right_x: right_x + info.width]
            for part, (a, b) in ((left, (a1, b1)), (right, (a2, b2))):
                want = a + min(t, b - a - 1)  # a shorter pane holds its last frame
                frames = {f: reader.frame(f).astype(np.int16) for f in (want - 1, want, want + 1) if a <= f < b}
                errors = {f: _changed(part, x) for f, x in frames.items()}
                assert errors[want] < 0.003, (t, errors)  # compression leaves few pixels off by > 24
                apart = [_changed(frames[want], x) for f, x in frames.items() if f != want]
                if apart and min(apart) > 0.004:  # the neighbours differ visibly: the match must be exact
                    distinct += 1
                    assert min(errors, key=errors.get) == want, (t, errors)
        assert distinct >= 10, "too few moving frames to tell neighbours apart"
        cap.release()


def test_overlay_is_hottest_where_the_cam_peaks(project, segments, tmp_path):
    file_id, video, segs = segments
    a, b, _ = segs[0]
    t = (b - a) // 2
    style = OverlayStyle(opacity=1.0, colormap="jet")
    image = render_frame(project, [PaneSpec(file_id, a, b)], t, style=style)
    with Store(project, readonly=True) as store:
        pane = resolve_panes(store, [PaneSpec(file_id, a, b)])[0]
        _, layer_map, inp = pane.cam(a + t)
    with VideoReader(video) as reader:
        h, w = reader.info.height, reader.info.width
    layout = Layout.for_video(w, h)
    top, left, rh, rw = input_region((h, w), tuple(inp["size"]), inp.get("resize", "short_side_center_crop"))
    full = cv2.resize(layer_map.astype(np.float32), (int(round(rw)), int(round(rh))), interpolation=cv2.INTER_LINEAR)
    py, px = np.unravel_index(np.argmax(full), full.shape)
    qy, qx = np.unravel_index(np.argmin(full), full.shape)
    video_part = image[layout.banner: layout.banner + h].astype(int)
    hot = video_part[int(top) + py, int(left) + px]
    cold = video_part[int(top) + qy, int(left) + qx]
    assert full.max() == pytest.approx(1.0, abs=0.02)  # normalised per clip
    assert hot[0] > 100 and hot[0] > hot[2] + 60, f"jet's red at the peak, got {hot}"
    if full.min() < 0.2:
        assert cold[2] > cold[0] + 60, f"jet's blue at the minimum, got {cold}"
    # Outside the model's input region the frame is dimmed, not coloured.
    if left >= 2:
        with VideoReader(video) as reader:
            raw = reader.frame(a + t)[..., 0].astype(int)
        assert np.abs(video_part[:, 0, 0] - np.round(raw[:, 0] * 0.6)).max() <= 1


def test_pane_maps_under_each_normalisation_match_the_stored_maps(project, segments):
    from cabinlens.engine.analysis.cam_scale import cam_scale
    from cabinlens.engine.analysis.session import layer_slice
    from cabinlens.engine.video.sampling import sample_indices

    file_id, _, segs = segments
    a, b, _ = segs[0]
    with Store(project, readonly=True) as store:
        panes = {how: resolve_panes(store, [PaneSpec(file_id, a, b, target="top2")], how)[0] for how in ("clip", "dataset", "raw")}
        for frame in (a, (a + b) // 2, b - 1):
            track, k = panes["raw"].tracks.sample_at(frame)
            _, maps = store.cams(track.run_id, int(track.indices[k]))  # brute force: the stored maps
            inp = track.spec["input"]
            raw = layer_slice(maps[1], sample_indices(int(track.starts[k]), int(track.ends[k]), inp["frames"], inp["sampling"]), frame)
            dataset = cam_scale(store, track.run_id).divisor
            for how, divisor in (("raw", 1.0), ("clip", float(maps[1].max())), ("dataset", dataset)):
                np.testing.assert_allclose(panes[how].cam(frame)[1], raw / divisor, rtol=1e-6, err_msg=f"{how} at {frame}")
        assert dataset != pytest.approx(float(maps[1].max()), rel=1e-3)  # the choice changes the picture
    with pytest.raises(ValueError, match="unknown normalisation"):
        with Store(project, readonly=True) as store:
            resolve_panes(store, [PaneSpec(file_id, a, b)], "peak")


def test_the_banner_says_how_the_cam_is_normalised_unless_per_clip(project, segments):
    file_id, video, segs = segments
    a, b, _ = segs[0]
    with VideoReader(video) as reader:
        layout = Layout.for_video(reader.info.width, reader.info.height)
    heads = {how: render_frame(project, [PaneSpec(file_id, a, b)], 3, style=OverlayStyle(normalisation=how))[: layout.banner]
             for how in ("clip", "dataset", "raw")}
    again = render_frame(project, [PaneSpec(file_id, a, b)], 3, style=OverlayStyle(normalisation="clip"))[: layout.banner]
    np.testing.assert_array_equal(heads["clip"], again)
    line2 = slice(layout.baselines[0] + layout.line // 4, layout.banner)  # the prediction's line
    assert np.abs(heads["dataset"][line2].astype(int) - heads["clip"][line2].astype(int)).max() > 100
    assert np.abs(heads["raw"][line2].astype(int) - heads["dataset"][line2].astype(int)).max() > 100
    off = render_frame(project, [PaneSpec(file_id, a, b)], 3, style=OverlayStyle(on=False, normalisation="dataset"))
    np.testing.assert_array_equal(off[: layout.banner], heads["clip"])  # no overlay: nothing to qualify


def test_cancelling_leaves_no_file_and_no_thread(project, segments, tmp_path):
    file_id, _, segs = segments
    a, b, _ = segs[0]
    out = tmp_path / "cancelled.mp4"
    gen = export_clip(project, [PaneSpec(file_id, a, b), PaneSpec(file_id, a, b, "c3d_small")], out)
    first = next(gen)
    assert first.done >= 1 and first.total == b - a
    gen.close()
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_requests_name_the_problem(project, segments, tmp_path):
    file_id, video, segs = segments
    a, b, _ = segs[0]
    with pytest.raises(InputError, match="no run of model 'nope'"):
        list(export_clip(project, [PaneSpec(file_id, a, b, "nope")], tmp_path / "x.mp4"))
    with pytest.raises(InputError, match="has no session 'vp99/none'; sessions: "):
        list(export_clip(project, [PaneSpec("vp99/none", a, b)], tmp_path / "x.mp4"))
    with VideoReader(video) as reader:
        n = reader.frame_count
    with pytest.raises(InputError, match=f"has {n} frames"):
        list(export_clip(project, [PaneSpec(file_id, n - 5, n + 10)], tmp_path / "x.mp4"))
    with pytest.raises(InputError, match=r"\.mp4 file"):
        list(export_clip(project, [PaneSpec(file_id, a, b)], tmp_path / "x.avi"))
    with pytest.raises(InputError, match="not a CabinLens project|no such project"):
        list(export_clip(tmp_path / "missing.cabinlens", [PaneSpec(file_id, a, b)], tmp_path / "x.mp4"))
    with pytest.raises(ValueError, match="empty"):
        PaneSpec(file_id, 10, 10)
    assert list(tmp_path.iterdir()) == []


def test_a_video_that_breaks_mid_export_leaves_no_file(project, segments, tmp_path, monkeypatch):
    from cabinlens.engine.video import reader as reader_module

    file_id, _, segs = segments
    a, b, _ = segs[0]
    real = reader_module.VideoReader.iter_frames

    def broken(self, start=0, stop=None):
        for k, item in enumerate(real(self, start, stop)):
            if k == 5:
                raise reader_module.VideoError(self.path, "is truncated (test)")
            yield item

    monkeypatch.setattr(reader_module.VideoReader, "iter_frames", broken)
    out = tmp_path / "broken.mp4"
    with pytest.raises(InputError, match="is truncated"):
        list(export_clip(project, [PaneSpec(file_id, a, b)], out))
    assert list(tmp_path.iterdir()) == []
