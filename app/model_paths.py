"""Which dropped or chosen paths are models, on the GUI thread and without torch.

A checkpoint file by its suffix; a Hugging Face model folder (``save_pretrained``: config.json beside
the weights) or a file of one. ``engine.models.huggingface.hf_folder`` is the engine's word on a
folder; it is not imported here because it imports torch, which the window must not pay for.
"""

from __future__ import annotations

from pathlib import Path

CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".safetensors")
#: What the checkpoint dialog offers: checkpoint files and the files of a Hugging Face model folder.
DIALOG_FILTER = "Checkpoints and Hugging Face model files (*.pt *.pth *.ckpt *.bin *.safetensors config.json)"
HF_CONFIG = "config.json"


def is_model_path(path: str | Path) -> bool:
    """A checkpoint file, a Hugging Face model folder, or its config.json."""
    p = Path(path)
    if p.is_dir():
        return (p / HF_CONFIG).is_file()
    return p.name.endswith(CHECKPOINT_SUFFIXES) or (p.name == HF_CONFIG and p.is_file())
