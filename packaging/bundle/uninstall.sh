#!/usr/bin/env sh
# Remove what install.sh added (the bundle folder itself stays: delete it yourself).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
rm -f "$data/applications/cabinlens.desktop" "$data/icons/hicolor/scalable/apps/cabinlens.svg" \
      "$data/icons/hicolor/256x256/apps/cabinlens.png" "$data/mime/packages/cabinlens.xml"
link=$HOME/.local/bin/cabinlens
if [ -L "$link" ] && [ "$(readlink "$link")" = "$here/cabinlens" ]; then rm -f "$link"; fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" >/dev/null 2>&1 || true
echo "CabinLens removed from your menu"
