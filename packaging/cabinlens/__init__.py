"""CabinLens: inspect video action-recognition models for driver observation.

The one import root of the installed distribution. Its parts live in the repository's top-level
folders and are mapped here by ``pyproject.toml``:

- ``cabinlens.engine``: the headless library (data, video, models, explanations, analysis, CLI);
- ``cabinlens.app``: the Qt application (state, worker, controllers, main window);
- ``cabinlens.widgets``: the Qt views;
- ``cabinlens.resources``: shipped data (demo models, sample annotations).
"""

from cabinlens.engine import __version__

__all__ = ["__version__"]
