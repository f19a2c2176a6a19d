"""When the randomisation check passes: one rule for the engine, the report and the window (no torch).

Adebayo et al. 2018: an explanation of the model must change as its weights are destroyed. Two ways
to fail: the maps stay correlated with every block random (they show the input), or they stay the
same with the top block alone random: the head, which decides the class, so such maps do not depend
on the class they are said to explain (attention rollout does this).
"""

from __future__ import annotations

#: Mean Spearman and SSIM with every block random below which the maps count as changed.
SURVIVAL = 0.5
#: Mean Spearman and SSIM with the top block alone random at or above which the maps count as
#: unchanged by it. Trained CNNs' Grad-CAM on the demo: 0.03-0.66 there; attention rollout: 1.00.
UNCHANGED = 0.95


def randomisation_failure(first: tuple[float, float], last: tuple[float, float]) -> str:
    """"" where a randomisation passes, else why it fails: "head" (unchanged with the top block random) or
    "survives" (still correlated with every block random); from the (Spearman, SSIM) means at the
    first and the last step."""
    if first[0] >= UNCHANGED and first[1] >= UNCHANGED:
        return "head"
    if not (last[0] < SURVIVAL and last[1] < SURVIVAL):
        return "survives"
    return ""
