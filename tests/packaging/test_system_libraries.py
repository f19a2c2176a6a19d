"""The set-up installs every system library Qt's X11 plugin links, so the window opens on a real display.

Offscreen tests never load ``libqxcb.so``; a library it lacks only shows when a user starts the
window on a desktop ("Could not load the Qt platform plugin xcb"). This reads the plugin's links.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="Linux only")
def test_every_library_the_xcb_plugin_links_is_found_and_named_by_the_setup():
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    assert plugin.is_file(), plugin
    qpa = plugin.parents[2] / "lib" / "libQt6XcbQpa.so.6"
    out = subprocess.run(["ldd", str(plugin), str(qpa)], capture_output=True, text=True, check=True).stdout
    missing = sorted({line.split()[0] for line in out.splitlines() if "not found" in line})
    assert not missing, f"packaging/run.sh setup leaves these out: {missing}"
    named = set(re.findall(r'"([^":]+\.so[.\d]*):', (REPO / "packaging" / "run.sh").read_text()))
    linked = {line.split()[0] for line in out.splitlines() if "=>" in line}
    xcb = {lib for lib in linked if lib.startswith(("libxcb-", "libX11-xcb", "libxkbcommon"))}
    assert xcb <= named, f"linked by the xcb plugin but not checked by the set-up: {sorted(xcb - named)}"
