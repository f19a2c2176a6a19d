"""The devices the engine can use here, found off the GUI thread.

Listing CUDA devices needs torch, whose import takes seconds: a thread of its own imports it (and
the analysis runner) right after the window appears, whatever the engine worker is busy with, so
the window can name the engine's device from the start and the first analysis finds torch loaded.
The thread touches no Qt object; the window polls ``result``.
"""

from __future__ import annotations

import threading


class DeviceProbe:
    def __init__(self) -> None:
        self.result: list[tuple[str, str]] | None = None  # (choice, label), the CPU first
        self.error = ""
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cabinlens-devices")
            self._thread.start()

    def _run(self) -> None:
        try:
            import cabinlens.engine.analysis.runner  # noqa: F401 - loaded now rather than during the first sweep
            from cabinlens.engine.analysis.service import available_devices

            self.result = available_devices()
        except Exception as exc:  # noqa: BLE001 - the window says so and offers the CPU
            self.error = f"{type(exc).__name__}: {exc}"
            self.result = [("cpu", "CPU")]

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def auto_label(devices: list[tuple[str, str]]) -> str:
    """What ``auto`` picks among the found devices, worded as the engine words it (``engine.device.device_label``):
    ``auto (CPU)`` without a GPU, else ``auto (cuda:0, NVIDIA H200)``."""
    cuda = next((label for choice, label in devices if choice.startswith("cuda")), None)
    if cuda is None:
        return "auto (CPU)"
    choice, _, name = cuda.partition(" (")
    return f"auto ({choice}, {name[:-1]})" if name.endswith(")") else f"auto ({choice})"
