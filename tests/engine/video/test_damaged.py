"""Damaged streams: frame k is FFmpeg's k-th decoded picture, damage is counted, the CLI stays calm.

The reference is an independent decode as the ffmpeg tool does it (``media.ffmpeg_frames``: in
order, a packet the decoder rejects skipped); for clean files PyAV's plain ``container.decode``.
"""

from __future__ import annotations

import numpy as np
import pytest

import media
from cabinlens.engine.cli.main import main
from cabinlens.engine.video import FrameIndexError, VideoReader, file_facts, probe


@pytest.fixture(scope="module")
def damaged_avi(tmp_path_factory):
    """MPEG-4 part 2 AVI, 120 frames, GOP 12: 3 packets lost in a remux (timestamp gaps), 2
    overwritten with noise (the decoder rejects them), 2 with noise in their middle (concealed)."""
    folder = tmp_path_factory.mktemp("damaged")
    clean = media.write_mpeg4_avi(folder / "clean.avi")
    path = media.remux_without(clean, folder / "damaged.avi", {30, 31, 77})
    media.corrupt_packets(path, {5: "random", 50: "random", 20: "middle", 90: "middle"})
    return path, media.ffmpeg_frames(path)


@pytest.fixture(scope="module")
def hidden_damage_avi(tmp_path_factory):
    """Damage only decoding reveals: 4 packets keep their VOP start code, the rest is zeros."""
    path = media.write_mpeg4_avi(tmp_path_factory.mktemp("hidden") / "hidden.avi", seed=1)
    media.corrupt_packets(path, {8: "blank", 40: "blank", 41: "blank", 100: "blank"})
    return path, media.ffmpeg_frames(path)


@pytest.fixture(scope="module")
def h264_with_audio(tmp_path_factory):
    """Long-GOP H.264 with B-frames and an AAC track: clean, so the fast path must stay exact."""
    path = media.write_h264_with_audio(tmp_path_factory.mktemp("av") / "with_audio.mp4", n=240, gop=120, bframes=2)
    return path, media.sequential_frames(path)


def _assert_all_frames(reader: VideoReader, reference: list[np.ndarray], seed: int = 0) -> None:
    assert reader.frame_count == len(reference)
    for i in np.random.default_rng(seed).permutation(len(reference)):
        assert np.array_equal(reader.frame(int(i)), reference[i]), f"frame {i}"


def _assert_iterates(reader: VideoReader, reference: list[np.ndarray], start: int = 0) -> None:
    got = list(reader.iter_frames(start))
    assert [i for i, _ in got] == list(range(start, len(reference)))
    for i, frame in got:
        assert np.array_equal(frame, reference[i]), f"frame {i}"


def test_damaged_avi_random_access_in_shuffled_order_is_ffmpeg_decode(damaged_avi):
    path, reference = damaged_avi
    assert len(reference) == 115  # 120 written, 3 lost in the remux, 2 rejected by the decoder
    file_facts.forget()  # a cold start: what demuxing sees must be enough
    with VideoReader(path, cache_bytes=2**20) as reader:
        assert reader.info.damaged
        _assert_all_frames(reader, reference)
        clip = reader.frames([100, 3, 3, 57, 4, 114, 0])
        for k, i in enumerate([100, 3, 3, 57, 4, 114, 0]):
            assert np.array_equal(clip[k], reference[i]), f"frame {i} of the clip"


def test_damaged_avi_iter_frames_is_ffmpeg_decode(damaged_avi):
    path, reference = damaged_avi
    file_facts.forget()
    with VideoReader(path) as reader:
        _assert_iterates(reader, reference)
        _assert_iterates(reader, reference, start=53)


def test_verify_counts_the_damage(damaged_avi, capsys):
    path, reference = damaged_avi
    info = probe(path, verify=True)
    d = info.damage
    assert info.damaged and d.verified and info.frame_count == len(reference)
    assert d.undecodable_packets == 2 and d.dropped_pictures == 2 and d.timestamp_gaps == 2
    assert "the stream is damaged" in info.problem and "2 undecodable packets" in info.problem
    assert main(["video", "probe", "--verify", str(path)]) == 1  # readable, but damaged
    out = capsys.readouterr().out
    assert "the stream is damaged" in out
    for line in ("undecodable packets   2", "pictures dropped      2", "timestamp gaps        2"):
        assert line in out


def test_damage_only_decoding_reveals_is_learnt_while_reading(hidden_damage_avi):
    path, reference = hidden_damage_avi
    assert len(reference) == 116
    file_facts.forget()
    with VideoReader(path) as reader:
        assert not reader.info.damaged and reader.frame_count == 120  # demuxing sees nothing wrong
        _assert_iterates(reader, reference)  # reading in order finds every lost picture on its way
        assert reader.frame_count == 116 and reader.info.damage.dropped_pictures == 4
    file_facts.forget()
    with VideoReader(path) as reader:  # a new process: what was found is on disk
        assert reader.frame_count == 116
        _assert_all_frames(reader, reference)


def test_random_access_in_file_order_meets_the_damage_before_the_frames_after_it(hidden_damage_avi, tmp_path, monkeypatch):
    path, reference = hidden_damage_avi
    monkeypatch.setenv("CABINLENS_CACHE", str(tmp_path))  # nothing known yet
    file_facts.forget()
    with VideoReader(path) as reader:
        got = [reader.frame(i) for i in range(len(reference))]
        assert reader.frame_count == len(reference)
        with pytest.raises(FrameIndexError, match=rf"frame {len(reference)} is outside.*frame {len(reference) - 1} is its last"):
            reader.frame(len(reference))
    for i, frame in enumerate(got):
        assert np.array_equal(frame, reference[i]), f"frame {i}"


def test_after_verify_every_reader_is_exact_in_any_order(hidden_damage_avi, tmp_path, monkeypatch):
    path, reference = hidden_damage_avi
    monkeypatch.setenv("CABINLENS_CACHE", str(tmp_path))
    file_facts.forget()
    info = probe(path, verify=True)
    assert info.frame_count == 116 and info.damage.dropped_pictures == 4 and info.damage.undecodable_packets == 0
    file_facts.forget()
    with VideoReader(path) as reader:
        _assert_all_frames(reader, reference, seed=3)
    with VideoReader(path, verify=True) as reader:  # or decode once at opening
        assert reader.info.damage.verified
        _assert_all_frames(reader, reference, seed=4)


def test_long_gop_h264_with_audio_is_exact_and_clean(h264_with_audio):
    path, reference = h264_with_audio
    with VideoReader(path, cache_bytes=2**20) as reader:
        assert reader.index.decoded_from is None  # the fast demux-only numbering
        _assert_all_frames(reader, reference)
        _assert_iterates(reader, reference, start=117)
    info = probe(path, verify=True)
    assert not info.damaged and info.problem is None and info.damage.verified
    assert info.frame_count == 240


def test_cli_says_a_clean_file_has_no_problem(h264_with_audio, capsys):
    path, _ = h264_with_audio
    assert main(["video", "probe", "--verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no problem" in out and "damaged" not in out


def test_cli_frame_of_a_damaged_file(damaged_avi, tmp_path, capsys):
    import cv2

    path, reference = damaged_avi
    out = tmp_path / "frame.png"
    assert main(["video", "frame", str(path), "60", str(out)]) == 0
    assert np.array_equal(cv2.imread(str(out))[..., ::-1], reference[60])
    assert main(["video", "frame", str(path), "115", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "frame 115 is outside" in err and "frame 114 is its last" in err


def _bad_file(kind: str, folder, long_gop_video):
    path = folder / {"folder": "clip.mp4", "empty": "empty.mp4", "text": "notes.avi", "random": "noise.mp4",
                     "truncated": "cut.mp4"}[kind]
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("frame,label\n1,eating\n" * 40)
    elif kind == "random":
        path.write_bytes(np.random.default_rng(7).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    else:  # a download cut short: the index (moov) at the end is gone
        data = long_gop_video.read_bytes()
        path.write_bytes(data[: len(data) * 6 // 10])
    return path


@pytest.mark.parametrize("kind", ["folder", "empty", "text", "random", "truncated"])
@pytest.mark.parametrize("command", ["probe", "probe --verify", "frame"])
def test_cli_on_files_that_are_not_videos(kind, command, tmp_path, long_gop_video, capsys):
    path = _bad_file(kind, tmp_path, long_gop_video)
    argv = ["video", *command.split(), str(path)]
    if command == "frame":
        argv += ["3", str(tmp_path / "out.png")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cabinlens: error: {path}: "), captured.err


def test_cli_on_a_truncated_file_that_still_has_its_index(tmp_path, capsys):
    full = media.write_h264(tmp_path / "full.mp4", n=120, gop=60, faststart=True)
    cut = tmp_path / "cut.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    reference = media.ffmpeg_frames(cut)
    assert main(["video", "probe", "--verify", str(cut)]) == 1
    assert "truncated" in capsys.readouterr().out
    assert main(["video", "frame", str(cut), str(len(reference) - 1), str(tmp_path / "last.png")]) == 0
    assert main(["video", "frame", str(cut), "110", str(tmp_path / "gone.png")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith(f"cabinlens: error: {cut}: frame 110 is outside")
    assert f"frame {len(reference) - 1} is its last" in err
