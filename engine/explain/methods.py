"""The names of the ways a map is made, and how they read: no torch, so the window can word them.

Grad-CAM weightings read one layer's activation and gradient (``explain.gradcam``); the
attention-based methods read a VideoMAE's attention up to a block (``explain.attention``).
"""

from __future__ import annotations

#: Grad-CAM weightings: the paper's two (Eq. 1-2 per clip, per time slice), then finer ones.
WEIGHTINGS: tuple[str, ...] = ("clip", "time", "hires", "layercam", "gradcampp")
#: The attention-based methods of a VideoMAE.
ATTENTION_METHODS: tuple[str, ...] = ("rollout", "attngrad")
#: Every map a ``GradCam`` computes.
METHODS: tuple[str, ...] = (*WEIGHTINGS, *ATTENTION_METHODS)
#: How each weighting reads after "weights" (the player's line under the video).
WEIGHT_WORDS = {"clip": "Eq. 1 (clip)", "time": "per time slice", "hires": "HiResCAM", "layercam": "LayerCAM",
                "gradcampp": "Grad-CAM++"}
#: Each method in words, for tables and the window.
METHOD_WORDS = {"clip": "Grad-CAM Eq. 1-2", "time": "Grad-CAM per time slice", "hires": "HiResCAM",
                "layercam": "LayerCAM", "gradcampp": "Grad-CAM++", "rollout": "attention rollout",
                "attngrad": "gradient-weighted attention rollout"}


def model_with_method(model: str, mode: str) -> str:
    """A model's name with the method of its maps where that is not the paper's Grad-CAM
    ("videomae (attngrad)"): how runs, tracks and tables tell two runs of one model apart."""
    return model if mode == "clip" else f"{model} ({mode})"


def map_words(mode: str) -> str:
    """What made a map, in a sentence's words: "Grad-CAM" for every weighting, else the attention method."""
    return "Grad-CAM" if mode in WEIGHTINGS else METHOD_WORDS.get(mode, mode)
