"""``python -m cabinlens ...``: the same as the ``cabinlens`` command (also what ``torchrun -m`` runs)."""

import sys

from cabinlens.launcher import main

sys.exit(main())
