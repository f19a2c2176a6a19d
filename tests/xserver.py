"""A private X server (Xvfb) for the tests and benchmarks that must see the window as a user does.

Why: the offscreen platform paints into memory at once and has no window manager or real focus, so
slow painting, focus bugs and fonts that differ on a real X server stay hidden there. Xvfb with Qt's
xcb platform shows them, without a screen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SOCKETS = Path("/tmp/.X11-unix")


def available() -> bool:
    """Whether this machine has Xvfb."""
    return shutil.which("Xvfb") is not None


def _free_display() -> int:
    for n in range(90, 200):
        if not (SOCKETS / f"X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number between :90 and :199")


@contextmanager
def xvfb(width: int = 1920, height: int = 1200) -> Iterator[dict[str, str]]:
    """Start Xvfb on a free display; yield the environment that puts Qt on it (xcb); stop it after."""
    display = _free_display()
    server = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not (SOCKETS / f"X{display}").exists():
            if server.poll() is not None:
                raise RuntimeError(f"Xvfb :{display} stopped: {server.stderr.read().decode(errors='replace')[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb :{display} did not start within 20 s")
            time.sleep(0.05)
        yield {**os.environ, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb"}
    finally:
        stop(server)
        if server.stderr is not None:
            server.stderr.close()


def stop(process: subprocess.Popen, grace_s: float = 5) -> None:
    """Ask ``process`` to end; kill it if it has not after ``grace_s`` seconds."""
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_on(platform: str, command: list[str], cwd: str | Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """``command`` in a process of its own on Qt's ``platform`` (xcb: on a private Xvfb): the finished
    process and its stdout's lines (benchmarks measure each platform in a fresh process)."""
    if platform == "xcb":
        with xvfb() as env:
            run = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    else:
        run = subprocess.run(command, env={**os.environ, "QT_QPA_PLATFORM": platform}, cwd=cwd,
                             capture_output=True, text=True)
    return run, run.stdout.splitlines()
