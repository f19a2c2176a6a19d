"""CabinLens engine: the headless library (data, video, models, explanations, analysis, CLI).

Nothing under ``engine`` may import Qt: batch jobs and the command line run without a display.
"""

__version__ = "0.1.0"
