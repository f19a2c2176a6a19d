"""Each video's demux scan done once per process, however many readers open it.

Opening a reader demuxes the whole file to number its frames (``packet_index``): about a second
for an hour at 1280x1024, reading every byte of it. The player's frame thread, the session job's
probe and every decoding thread of an analysis each open their own reader, so the same hour was
read again and again (a click on a session paid a second for its probe alone). The scan of an
unchanged file (same path, size and modification time) is kept here and shared; a thread that
asks while another scans the same file waits for that scan instead of reading the file twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from cabinlens.engine.video.file_facts import FileKey
from cabinlens.engine.video.packet_index import DemuxScan

#: Scans kept (a few megabytes each for an hour of video).
KEPT = 16

_scans: OrderedDict[FileKey, DemuxScan] = OrderedDict()
_busy: dict[FileKey, threading.Lock] = {}
_lock = threading.Lock()


def scan_once(key: FileKey | None, scan: Callable[[], DemuxScan]) -> DemuxScan:
    """The scan of the file ``key`` names: kept from an earlier reader, or ``scan()`` now (and kept)."""
    if key is None:  # a file that cannot be identified is scanned each time
        return scan()
    with _lock:
        if key in _scans:
            _scans.move_to_end(key)
            return _scans[key]
        busy = _busy.setdefault(key, threading.Lock())
    with busy:  # one scan per file at a time: the others wait for it
        with _lock:
            if key in _scans:
                return _scans[key]
        result = scan()
        with _lock:
            _scans[key] = result
            while len(_scans) > KEPT:
                _scans.popitem(last=False)
            _busy.pop(key, None)
        return result


def forget() -> None:
    """Drop every kept scan (tests that rewrite a file in place within the same second)."""
    with _lock:
        _scans.clear()
