"""Frame accuracy against sequential decoding, damaged and lying files, threads, cache bounds."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import media
from cabinlens.engine.video import FrameIndexError, VideoError, VideoReader, probe


def test_every_frame_in_random_order_equals_sequential_decoding(long_gop_video, long_gop_reference):
    order = np.random.default_rng(0).permutation(len(long_gop_reference))
    with VideoReader(long_gop_video, cache_bytes=2 * 2**20) as reader:
        assert reader.frame_count == len(long_gop_reference) == 240
        for i in order:
            np.testing.assert_array_equal(reader.frame(int(i)), long_gop_reference[i], err_msg=f"frame {i}")


def test_random_access_from_a_cold_reader_each_time(long_gop_video, long_gop_reference):
    for i in (0, 1, 5, 119, 120, 121, 203, 239):
        with VideoReader(long_gop_video) as reader:
            np.testing.assert_array_equal(reader.frame(i), long_gop_reference[i])


@pytest.mark.parametrize("threads", [1, 2, 3, 7])
def test_random_access_is_exact_whatever_the_number_of_frame_threads(long_gop_video, long_gop_reference, threads):
    # The default follows the machine's cores, so every count must give the same pixels.
    with VideoReader(long_gop_video, threads=threads) as reader:
        for i in (203, 7, 121, 119, 238, 60):
            reader.cache.clear()
            np.testing.assert_array_equal(reader.frame(i), long_gop_reference[i], err_msg=f"frame {i}, {threads} threads")


def test_random_access_uses_one_frame_thread_per_usable_core(long_gop_video, monkeypatch):
    import cabinlens.engine.video.reader as reader_module

    monkeypatch.setattr(reader_module.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert reader_module.usable_cores() == 3
    with VideoReader(long_gop_video) as reader:
        assert reader._stream.thread_count == 3
    with VideoReader(long_gop_video, threads=5) as reader:
        assert reader._stream.thread_count == 5


def test_stepping_backwards_and_forwards_from_a_jump(long_gop_video, long_gop_reference):
    with VideoReader(long_gop_video) as reader:
        reader.frame(180)
        for i in range(179, 100, -1):  # past the back window and across a keyframe
            np.testing.assert_array_equal(reader.frame(i), long_gop_reference[i])
        for i in range(101, 140):
            np.testing.assert_array_equal(reader.frame(i), long_gop_reference[i])


def test_disposable_pictures_are_found_and_skipping_them_is_exact(long_gop_video):
    with VideoReader(long_gop_video) as reader:
        share = reader.index.disposable.mean()
        assert 0.2 < share < 0.8, share  # x264 with 3 B-frames: about half
        assert not reader.index.disposable[reader.index.key_frames].any()


def test_frames_of_a_clip_in_any_order_with_repeats(long_gop_video, long_gop_reference):
    wanted = [200, 3, 3, 150, 4, 239, 0, 121]
    with VideoReader(long_gop_video, cache_bytes=0) as reader:  # no cache: one pass must suffice
        clip = reader.frames(wanted)
    assert clip.shape == (len(wanted), 160, 192, 3)
    for k, i in enumerate(wanted):
        np.testing.assert_array_equal(clip[k], long_gop_reference[i])


def test_iter_frames_is_sequential_decoding(long_gop_video, long_gop_reference):
    with VideoReader(long_gop_video) as reader:
        got = list(reader.iter_frames(117, 190))
    assert [i for i, _ in got] == list(range(117, 190))
    for i, frame in got:
        np.testing.assert_array_equal(frame, long_gop_reference[i])


@pytest.mark.parametrize("fmt", ["gray", "bgr24"])
def test_pixel_formats(long_gop_video, fmt):
    reference = media.sequential_frames(long_gop_video, fmt)
    with VideoReader(long_gop_video, pixel_format=fmt) as reader:
        for i in (0, 77, 130):
            np.testing.assert_array_equal(reader.frame(i), reference[i])


def test_writing_into_a_returned_frame_does_not_change_later_reads(long_gop_video, long_gop_reference):
    with VideoReader(long_gop_video) as reader:
        frame = reader.frame(10)
        frame[:] = 0
        np.testing.assert_array_equal(reader.frame(10), long_gop_reference[10])


def test_cache_stays_within_its_byte_budget(long_gop_video):
    frame_bytes = 160 * 192 * 3 // 2  # cached pictures are YUV 4:2:0
    with VideoReader(long_gop_video, cache_bytes=10 * frame_bytes) as reader:
        for i in range(0, 240, 7):
            reader.frame(i)
            assert 0 < reader.cache.nbytes <= 10 * frame_bytes
            assert len(reader.cache) <= 10


def test_many_threads_read_the_same_reader(long_gop_video, long_gop_reference):
    # Threads asking for the same cached picture once converted it in one shared FFmpeg scaler, which
    # hung about one round in 16; each round here is a fresh reader, and a hang fails within a minute.
    for r in range(12):
        errors: list[str] = []
        with VideoReader(long_gop_video, cache_bytes=4 * 2**20) as reader:

            def work(seed: int) -> None:
                for i in np.random.default_rng(seed).integers(0, 240, 25):
                    if not np.array_equal(reader.frame(int(i)), long_gop_reference[i]):
                        errors.append(f"thread {seed} frame {i}")

            threads = [threading.Thread(target=work, args=(10 * r + s,), daemon=True) for s in range(4)]
            for t in threads:
                t.start()
            iterated = [i for i, _ in reader.iter_frames(0, 240)]  # its own decoder, concurrently
            for t in threads:
                t.join(60)
            assert not any(t.is_alive() for t in threads), f"round {r}: a reading thread hung"
        assert not errors
        assert iterated == list(range(240))


def test_container_frame_count_that_lies(media_dir):
    avi = media.write_mjpeg_avi(media_dir / "lying.avi", n=40)
    media.lie_about_frame_count(avi, 400)
    reference = media.sequential_frames(avi)
    info = probe(avi)
    assert info.container_frame_count == 400
    assert info.frame_count == len(reference) == 40
    with VideoReader(avi) as reader:
        np.testing.assert_array_equal(reader.frame(39), reference[39])
        with pytest.raises(FrameIndexError, match="frame 40 is outside"):
            reader.frame(40)


def test_truncated_file_is_numbered_by_what_decodes_and_says_so(media_dir):
    full = media.write_h264(media_dir / "full_faststart.mp4", n=120, gop=60, faststart=True)
    cut = media_dir / "truncated.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    reference = media.ffmpeg_frames(cut)  # the ffmpeg tool's decode of the cut file
    with VideoReader(cut) as reader:
        assert reader.info.truncated and reader.info.problem and reader.info.damaged
        assert reader.frame_count == len(reference) < 120
        for i in (len(reference) - 1, 0, 37, len(reference) - 2, 5):
            np.testing.assert_array_equal(reader.frame(i), reference[i])
        with pytest.raises(FrameIndexError, match=f"frame {len(reference) - 1} is its last") as err:
            reader.frame(len(reference))
        assert str(cut) in str(err.value) and "truncated" in str(err.value)
        np.testing.assert_array_equal(reader.frame(5), reference[5])  # still usable afterwards
    verified = probe(cut, verify=True)
    assert verified.frame_count == len(reference) and verified.problem and verified.damage.verified


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.mp4", b"", "empty"),
        ("text.mp4", b"this is not a video\n" * 50, "not a readable video"),
        ("random.avi", bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)), "not a readable video"),
    ],
)
def test_files_that_are_not_videos(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(VideoError, match=problem) as err:
        VideoReader(path)
    assert str(path) in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(VideoError, match="file not found"):
        VideoReader(tmp_path / "nope.mp4")
    with pytest.raises(VideoError, match="folder"):
        VideoReader(tmp_path)


def test_audio_only_file_has_no_video_stream(tmp_path):
    import av

    path = tmp_path / "sound.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(VideoError, match="no video stream"):
        VideoReader(path)


def test_indices_out_of_range_and_closed_reader(long_gop_video):
    reader = VideoReader(long_gop_video)
    with pytest.raises(FrameIndexError):
        reader.frame(-1)
    with pytest.raises(FrameIndexError, match="240"):
        reader.frame(240)
    with pytest.raises(IndexError):  # FrameIndexError is an IndexError too
        reader[10_000]
    reader.close()
    reader.cache.clear()
    with pytest.raises(VideoError, match="closed"):
        reader.frame(3)


def test_metadata(long_gop_video):
    info = probe(long_gop_video)
    assert (info.width, info.height, info.codec) == (192, 160, "h264")
    assert info.fps == pytest.approx(30.0)
    assert info.frame_count == 240 and info.keyframes == 2 and info.max_gop == 120
    assert not info.truncated


def test_mkv_without_a_frame_count(media_dir, tmp_path):
    mkv = media.write_h264(tmp_path / "clip.mkv", n=50, gop=25)
    reference = media.sequential_frames(mkv)
    with VideoReader(mkv) as reader:
        assert reader.frame_count == len(reference) == 50
        np.testing.assert_array_equal(reader.frame(37), reference[37])


def test_frame_size_reads_the_header_only(long_gop_video, tmp_path):
    from cabinlens.engine.video.reader import frame_size

    info = probe(long_gop_video)
    assert frame_size(long_gop_video) == (info.height, info.width)
    with pytest.raises(VideoError, match="file not found"):
        frame_size(tmp_path / "missing.mp4")
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    with pytest.raises(VideoError, match="notes.mp4"):
        frame_size(not_video)
