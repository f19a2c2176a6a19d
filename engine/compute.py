"""One process-wide lock around CPU-parallel numeric work: model batches (torch) and t-SNE/Ward
(scikit-learn, SciPy).

Why: torch and scikit-learn each bring their own OpenMP runtime. Run at the same time from two
threads (the window's session sweep and its analysis panels each have a worker), the two
runtimes can deadlock the process. Holding this lock per batch and per embedding keeps them
apart; each waits at most one batch or one t-SNE.
"""

from __future__ import annotations

import threading

COMPUTE = threading.RLock()
