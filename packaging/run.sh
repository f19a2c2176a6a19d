#!/usr/bin/env bash
# Set CabinLens up from nothing and run one job.
#   packaging/run.sh demo [ARGS...]   the main job (see README)
#   packaging/run.sh test [ARGS...]   the whole test suite (ARGS go to pytest)
#   packaging/run.sh setup            only set up
# Set-up is idempotent: system libraries Qt and video need (installed with apt-get when this runs
# as root, otherwise the exact command is printed), a virtual environment in .venv, and the packages
# of pyproject.toml at the exact versions of packaging/constraints.txt. A re-run skips whatever is already in place.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
job=${1:-demo}
[ $# -gt 0 ] && shift

say() { printf 'cabinlens setup: %s\n' "$*" >&2; }

# --- system libraries (shared object -> Debian package) -------------------------------------
need_libs=(
  "libEGL.so.1:libegl1" "libGL.so.1:libgl1" "libxkbcommon.so.0:libxkbcommon0"
  "libxkbcommon-x11.so.0:libxkbcommon-x11-0" "libxcb-cursor.so.0:libxcb-cursor0"
  "libfontconfig.so.1:libfontconfig1" "libdbus-1.so.3:libdbus-1-3"
  "libglib-2.0.so.0:libglib2.0-0"
  # Qt's xcb platform plugin (the window on an X server): every library libqxcb.so links
  "libX11-xcb.so.1:libx11-xcb1" "libxcb-icccm.so.4:libxcb-icccm4" "libxcb-keysyms.so.1:libxcb-keysyms1"
  "libxcb-image.so.0:libxcb-image0" "libxcb-render-util.so.0:libxcb-render-util0"
  "libxcb-randr.so.0:libxcb-randr0" "libxcb-shape.so.0:libxcb-shape0" "libxcb-xfixes.so.0:libxcb-xfixes0"
  "libxcb-xkb.so.1:libxcb-xkb1" "libxcb-sync.so.1:libxcb-sync1" "libxcb-shm.so.0:libxcb-shm0"
  "libxcb-util.so.1:libxcb-util1" "libxcb-render.so.0:libxcb-render0"
)
missing=()
for entry in "${need_libs[@]}"; do
  lib=${entry%%:*}; pkg=${entry##*:}
  if ! ldconfig -p 2>/dev/null | grep -q "$lib"; then missing+=("$pkg"); fi
done
# The test job also runs the window's tests on a private X server (Xvfb), as a user's screen would show them.
if [ "$job" = test ] && ! command -v Xvfb >/dev/null 2>&1; then missing+=("xvfb"); fi
py=""
for cand in python3.13 python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 &&
     "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py=$(command -v "$cand"); break
  fi
done
if [ -z "$py" ]; then missing+=("python3"); fi
if [ -n "$py" ] && [ ! -x .venv/bin/python ] && ! "$py" -c 'import ensurepip' 2>/dev/null; then
  missing+=("python3-venv")
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Newer Debian renamed some runtime packages (t64); take whichever name the archive has.
    pkgs=()
    export DEBIAN_FRONTEND=noninteractive
    say "installing system packages: ${missing[*]}"
    apt-get update -qq
    for p in "${missing[@]}"; do
      if apt-cache show "${p}t64" >/dev/null 2>&1; then pkgs+=("${p}t64"); else pkgs+=("$p"); fi
    done
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}"
    say "run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  if [ -z "$py" ]; then py=$(command -v python3); fi
fi

# --- virtual environment with the pinned packages -------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $py"
  "$py" -m venv .venv
fi
stamp=.venv/.cabinlens-installed
want=$(cat pyproject.toml packaging/constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing pinned packages (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[test]" -c packaging/constraints.txt
  echo "$want" > "$stamp"
fi

case "$job" in
  setup) say "ready: .venv/bin/cabinlens" ;;
  demo)  # The window on the demo project when there is a display, else the headless demo with its
         # report (it says so). Data lives in $CABINLENS_DATA or ~/.local/share/cabinlens.
         exec .venv/bin/cabinlens demo "$@" ;;
  test)  export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
         exec .venv/bin/python -m pytest "$@" ;;
  *)     say "unknown job '$job' (use demo, test or setup)"; exit 2 ;;
esac
