"""The desktop bundle against the virtual environment it was built from: size, command start-up and
the time until the window is on screen (a real X server, Xvfb, with the xcb platform).

    .venv/bin/python tests/bench/bench_bundle.py [--bundle dist/bundle/cabinlens] [--project P.cabinlens]

Needs Debian's xvfb and xdotool (the window is 'visible' when xdotool finds it mapped). Prints medians
of a few starts and the ratio bundle / venv measured in the same run (machines are noisy).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

import xserver  # noqa: E402


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def command_seconds(cmd: list[str], env: dict, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def window_seconds(cmd: list[str], env: dict, repeats: int) -> float:
    """From the process's start until a window named CabinLens is mapped on the X server."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        app = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "CabinLens"], env=env,
                           check=True, capture_output=True, timeout=300)
            times.append(time.perf_counter() - t0)
        finally:
            xserver.stop(app, 10)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "bundle" / "cabinlens")
    parser.add_argument("--venv", type=Path, default=REPO / ".venv")
    parser.add_argument("--project", help="a project to open (default: the window alone)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for tool in ("Xvfb", "xdotool"):
        if not shutil.which(tool):
            print(f"bench_bundle: needs {tool} (Debian packages xvfb, xdotool)", file=sys.stderr)
            return 2
    bundle, venv = args.bundle / "cabinlens", args.venv / "bin" / "cabinlens"
    for exe in (bundle, venv):
        if not exe.exists():
            print(f"bench_bundle: {exe} not found (packaging/build.sh, packaging/run.sh setup)", file=sys.stderr)
            return 2
    with xserver.xvfb(1600, 950) as xenv, tempfile.TemporaryDirectory() as home:
        env = {**xenv, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config"}
        extra = [args.project] if args.project else []
        print(f"bundle {folder_size(args.bundle) / 2**30:.2f} GiB ({args.bundle}); "
              f"venv {folder_size(args.venv) / 2**30:.2f} GiB")
        rows = []
        for what, run in (("--version", lambda exe: command_seconds([str(exe), "--version"], env, args.repeats)),
                          ("models list", lambda exe: command_seconds([str(exe), "models", "list"], env,
                                                                      args.repeats)),
                          ("window visible", lambda exe: window_seconds([str(exe), *extra], env, args.repeats))):
            run(bundle)  # a first start fills the page cache; the medians are of warm starts
            b, v = run(bundle), run(venv)
            rows.append((what, b, v))
        for what, b, v in rows:
            print(f"{what:<15} bundle {b:6.2f} s   venv {v:6.2f} s   = {b / v:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
