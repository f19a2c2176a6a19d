"""Small previews of clips (their middle frame) for hovering and clip lists, decoded off the GUI thread.

Requests are served newest first (a hover that moved on no longer matters) and remembered, so
hovering back over a point shows its preview at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

THUMB_WIDTH = 128


def to_qimage(gray_or_rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(gray_or_rgb if gray_or_rgb.ndim == 3 else np.repeat(gray_or_rgb[..., None], 3, axis=2))
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class Thumbnails(QObject):
    ready = Signal(object, object)  # (video, frame), QImage (None when it could not be read)

    def __init__(self, capacity: int = 512) -> None:
        super().__init__()
        self._cache: OrderedDict[tuple[str, int], QImage | None] = OrderedDict()
        self._capacity = capacity
        self._todo: list[tuple[str, int]] = []
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None  # started by the first request, not with the window

    def get(self, video: str, frame: int) -> QImage | None:
        """The preview if it is ready; otherwise None, and ``ready`` follows when it is."""
        key = (video, int(frame))
        with self._cond:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            if key in self._todo:
                self._todo.remove(key)
            self._todo.append(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="cabinlens-thumbnails", daemon=True)
                self._thread.start()
            self._cond.notify()
        return None

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _loop(self) -> None:
        import cv2

        from cabinlens.engine.video.reader import VideoReader

        readers: OrderedDict[str, VideoReader] = OrderedDict()
        try:
            while True:
                with self._cond:
                    while not self._todo and not self._stop:
                        self._cond.wait()
                    if self._stop:
                        return
                    key = self._todo.pop()  # newest first
                video, frame = key
                try:
                    if video not in readers:
                        readers[video] = VideoReader(video, cache_bytes=8 * 2**20)
                        while len(readers) > 4:
                            readers.popitem(last=False)[1].close()
                    pixels = readers[video].frame(frame)
                    h, w = pixels.shape[:2]
                    image = to_qimage(cv2.resize(pixels, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))),
                                                 interpolation=cv2.INTER_AREA))
                except Exception:  # noqa: BLE001 - a missing or broken video just has no preview
                    image = None
                with self._cond:
                    self._cache[key] = image
                    while len(self._cache) > self._capacity:
                        self._cache.popitem(last=False)
                self.ready.emit(key, image)
        finally:
            for reader in readers.values():
                reader.close()
