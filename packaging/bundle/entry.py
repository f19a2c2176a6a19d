"""The bundle's executable: the same ``cabinlens`` command as the wheel's console script.

``freeze_support`` lets the synthetic-data workers (multiprocessing) start inside a frozen
executable; without it each worker would start another copy of the window.
"""

import multiprocessing
import sys

from cabinlens.launcher import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
