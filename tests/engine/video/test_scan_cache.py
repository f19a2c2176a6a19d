"""A video is demuxed once per process however many readers open it, and again once it changes."""

from __future__ import annotations

import os
import threading

import media

from cabinlens.engine.video import packet_index, scan_cache
from cabinlens.engine.video.reader import VideoReader, probe


def test_readers_and_probes_of_one_file_share_one_scan_and_a_changed_file_is_scanned_again(tmp_path, monkeypatch):
    video = media.write_h264(tmp_path / "v.mp4", n=60)
    scans = []
    original = packet_index.scan_packets

    def counting(container, stream):
        scans.append(threading.get_ident())
        return original(container, stream)

    monkeypatch.setattr("cabinlens.engine.video.reader.scan_packets", counting)
    scan_cache.forget()
    threads = [threading.Thread(target=lambda: VideoReader(video).close()) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert probe(video).frame_count == 60
    assert len(scans) == 1  # four readers at once and a probe: one scan
    with VideoReader(video) as reader:
        first = reader.frame(30)
    media.write_h264(video, n=90, seed=1)  # rewritten: another size and time
    os.utime(video, ns=(1, 1))
    with VideoReader(video) as reader:
        assert reader.frame_count == 90 and not (reader.frame(30) == first).all()
    assert len(scans) == 2
