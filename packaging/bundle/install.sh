#!/usr/bin/env sh
# Put CabinLens in the user's menu: a desktop entry, its icon, the project file type and a
# `cabinlens` command in ~/.local/bin, all pointing into this folder. Nothing outside the user's
# home is touched; uninstall.sh removes exactly what this adds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin
icons="$here/_internal/cabinlens/resources"
[ -d "$icons" ] || icons="$here/cabinlens/resources"
mkdir -p "$data/applications" "$data/icons/hicolor/scalable/apps" "$data/icons/hicolor/256x256/apps" \
         "$data/mime/packages" "$bin"
cp "$icons/icons/cabinlens.svg" "$data/icons/hicolor/scalable/apps/cabinlens.svg"
cp "$icons/icons/cabinlens-256.png" "$data/icons/hicolor/256x256/apps/cabinlens.png"
cp "$icons/cabinlens-mime.xml" "$data/mime/packages/cabinlens.xml"
sed -e "s|^Exec=.*|Exec=\"$here/cabinlens\" %F|" -e "s|^TryExec=.*|TryExec=$here/cabinlens|" \
    "$icons/cabinlens.desktop" > "$data/applications/cabinlens.desktop"
ln -sf "$here/cabinlens" "$bin/cabinlens"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" >/dev/null 2>&1 || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "CabinLens is in your menu; 'cabinlens' is $bin/cabinlens (uninstall: $here/uninstall.sh)"
