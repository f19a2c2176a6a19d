#!/usr/bin/env bash
# Build the one-folder desktop bundle of CabinLens with PyInstaller:
#   packaging/build.sh            CPU PyTorch (from PyTorch's CPU index: about a fifth of the CUDA build)
#   packaging/build.sh --torch env    the PyTorch the package index gives (CUDA on Linux x86_64: GPUs work,
#                                     the bundle is several GB)
#   --no-archive                      skip the .tar.gz (minutes for a CUDA build); the folder is the bundle
# Output: dist/bundle/cabinlens/ (run ./cabinlens; ./install.sh adds it to the menu) and
# dist/cabinlens-VERSION-linux-ARCH.tar.gz. The build venv (build/bundle-venv) gets the wheel's
# packages at the exact versions of packaging/constraints.txt, plus PyInstaller.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
torch=cpu
archive=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch=$2; shift 2 ;;
    --torch=*) torch=${1#--torch=}; shift ;;
    --no-archive) archive=no; shift ;;
    *) echo "usage: packaging/build.sh [--torch cpu|env] [--no-archive]" >&2; exit 2 ;;
  esac
done
say() { printf 'cabinlens build: %s\n' "$*" >&2; }
./packaging/run.sh setup  # the system libraries Qt and video need, and a Python
py=.venv/bin/python
base=$("$py" -c 'import sys; print(sys._base_executable)')
venv=build/bundle-venv
pin() { sed -n "s/^$1==//p" packaging/constraints.txt; }
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  "$base" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
if [ "$torch" = cpu ]; then
  say "installing CPU PyTorch $(pin torch) from https://download.pytorch.org/whl/cpu"
  "$venv/bin/python" -m pip install -q "torch==$(pin torch)" "torchvision==$(pin torchvision)" \
      --index-url https://download.pytorch.org/whl/cpu || {
    say "PyTorch's CPU index cannot be reached from here: build with --torch env (the index's PyTorch)"; exit 1; }
elif [ "$torch" != env ]; then
  say "--torch takes cpu or env, not $torch"; exit 2
fi
say "installing CabinLens and PyInstaller"
"$venv/bin/python" -m pip install -q . -c packaging/constraints.txt
"$venv/bin/python" -m pip install -q "pyinstaller==$(pin pyinstaller)" "pyinstaller-hooks-contrib==$(pin pyinstaller-hooks-contrib)"
version=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("cabinlens"))')
say "bundling cabinlens $version (torch: $torch)"
rm -rf dist/bundle
(cd packaging/bundle && "$root/$venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$root/dist/bundle" --workpath "$root/build/pyinstaller" cabinlens.spec)
cp packaging/bundle/install.sh packaging/bundle/uninstall.sh dist/bundle/cabinlens/
if [ "$archive" = yes ]; then
  file=dist/cabinlens-$version-linux-$(uname -m).tar.gz
  tar -C dist/bundle -czf "$file" cabinlens
  say "$(du -sh dist/bundle/cabinlens | cut -f1) in dist/bundle/cabinlens, $(du -sh "$file" | cut -f1) as $file"
else
  say "$(du -sh dist/bundle/cabinlens | cut -f1) in dist/bundle/cabinlens (no archive: --no-archive)"
fi
say "try it: dist/bundle/cabinlens/cabinlens --version; add it to the menu: dist/bundle/cabinlens/install.sh"
