#!/usr/bin/env bash
# The install a user does, tried end to end: build the sdist and wheel, `pipx install` the wheel into
# a fresh environment, and run the installed `cabinlens`: --version, models list, data summary, the
# headless demo on the small synthetic data, and the window (offscreen) on the demo's project.
#   packaging/smoke.sh [WORKDIR]     (default: a new temporary folder; takes about 5 minutes)
# pipx is given packaging/constraints.txt so the environment gets the tested versions (a CUDA
# PyTorch without it would be downloaded afresh); the wheel itself asks only for lower bounds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(realpath -m "${1:-$(mktemp -d -t cabinlens-smoke.XXXXXX)}")
mkdir -p "$work"
say() { printf 'cabinlens smoke: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
cd "$root"
./packaging/run.sh setup >/dev/null  # system libraries and a Python
base=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
pin() { sed -n "s/^$1==//p" packaging/constraints.txt; }

say "tools (build, pipx) in $work/tools"
[ -x "$work/tools/bin/python" ] || "$base" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q "build==$(pin build)" "pipx==$(pin pipx)"

say "python -m build"
rm -rf "$work/dist"
"$work/tools/bin/python" -m build -q -o "$work/dist" . >/dev/null
wheel=$(ls "$work"/dist/cabinlens-*.whl)
sdist=$(ls "$work"/dist/cabinlens-*.tar.gz)
# Listings are read whole before grep looks (grep -q would close the pipe early: pipefail fails the writer).
in_wheel=$("$work/tools/bin/python" -m zipfile -l "$wheel")
for f in cabinlens/resources/models/i3d_small.pt cabinlens/resources/icons/cabinlens.svg \
         cabinlens/resources/cabinlens.desktop; do
  grep -q "$f" <<< "$in_wheel" || fail "$f is not in $wheel"
done
grep -q "resources/models/i3d_small.pt" <<< "$(tar tzf "$sdist")" || fail "the sdist lacks the shipped models"

say "pipx install $(basename "$wheel") (a fresh environment)"
export PIPX_HOME=$work/pipx PIPX_BIN_DIR=$work/bin PIPX_MAN_DIR=$work/man
"$work/tools/bin/pipx" install --force --python "$base" --pip-args "-c $root/packaging/constraints.txt" "$wheel" >/dev/null
cl=$work/bin/cabinlens
run_dir=$work/run && rm -rf "$run_dir" && mkdir -p "$run_dir" && cd "$run_dir"  # nowhere near the clone
export CABINLENS_DATA=$work/data CABINLENS_CACHE=$work/cache

want="cabinlens $(sed -n 's/^version = "\(.*\)"/\1/p' "$root/pyproject.toml")"
[ "$("$cl" --version)" = "$want" ] || fail "--version does not print '$want'"
grep -q "^i3d_small" <<< "$("$cl" models list)" || fail "models list lacks i3d_small"
"$cl" data summary "$("$work/pipx/venvs/cabinlens/bin/python" -c \
  'from cabinlens.resources import RESOURCES; print(RESOURCES / "sample_driveact")')" >/dev/null || fail "data summary"
say "headless demo (synthetic data, three shipped models)"
start=$(date +%s)
"$cl" demo --headless --device cpu > demo.log 2>&1 || { tail -20 demo.log; fail "the headless demo"; }
[ -s "$CABINLENS_DATA/demo-report/index.html" ] || fail "the demo wrote no report"
say "demo in $(( $(date +%s) - start )) s"
project=$CABINLENS_DATA/demo.cabinlens
say "the window on $(basename "$project") (offscreen, 20 s)"
set +e
QT_QPA_PLATFORM=offscreen timeout -k 5 20 "$cl" "$project" > gui.log 2>&1
rc=$?
set -e
grep -q Traceback gui.log && { cat gui.log; fail "the window raised"; }
[ $rc -eq 124 ] || { cat gui.log; fail "the window ended by itself (exit $rc) instead of running"; }
say "passed: $wheel installs with pipx and runs (version, models list, data summary, demo, window)"
