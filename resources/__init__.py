"""Data files shipped with CabinLens: sample annotations, demo weights, the icon and desktop entry."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
ICON_SVG = RESOURCES / "icons" / "cabinlens.svg"  # the window's icon, and the desktop entry's (scalable)
ICON_PNG = RESOURCES / "icons" / "cabinlens-256.png"  # for desktops and tools that take no SVG
DESKTOP_ENTRY = RESOURCES / "cabinlens.desktop"  # Exec= is filled in by the install script
