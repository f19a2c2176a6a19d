"""Data files shipped with CabinLens (sample annotations, later colour maps and demo weights)."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
