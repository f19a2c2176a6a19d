"""Tiny randomly initialised Hugging Face video classifiers, saved with ``save_pretrained``."""

from __future__ import annotations

import json
from pathlib import Path

import torch


def _save(model, folder: Path, safe: bool) -> None:
    """save_pretrained; ``safe=False``: the weights as pytorch_model.bin (torch.save of the state dict), as
    older transformers wrote them."""
    model.save_pretrained(folder)
    if not safe:
        (folder / "model.safetensors").unlink()
        torch.save(model.state_dict(), folder / "pytorch_model.bin")


def _labels(classes) -> dict:
    if classes is None:
        return {}
    return {"id2label": {i: c for i, c in enumerate(classes)}, "label2id": {c: i for i, c in enumerate(classes)}}


def tiny_videomae(folder: Path, *, classes=("a", "b", "c", "d", "e"), frames: int = 4, size: int = 32,
                  layers: int = 2, safe: bool = True, seed: int = 0, num_labels: int | None = None) -> Path:
    """VideoMAE: tubelets 2x8x8, hidden size 32 (about 30k parameters)."""
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification

    torch.manual_seed(seed)
    config = VideoMAEConfig(image_size=size, patch_size=8, num_frames=frames, tubelet_size=2, hidden_size=32,
                            num_hidden_layers=layers, num_attention_heads=2, intermediate_size=64,
                            num_labels=num_labels or len(classes), **_labels(classes if num_labels is None else None))
    _save(VideoMAEForVideoClassification(config).eval(), Path(folder), safe)
    return Path(folder)


def tiny_timesformer(folder: Path, *, classes=("a", "b", "c", "d", "e"), frames: int = 4, size: int = 32,
                     layers: int = 2, safe: bool = True, seed: int = 0) -> Path:
    """TimeSformer: 8x8 patches of each frame plus a class token, hidden size 32."""
    from transformers import TimesformerConfig, TimesformerForVideoClassification

    torch.manual_seed(seed)
    config = TimesformerConfig(image_size=size, patch_size=8, num_frames=frames, hidden_size=32, num_hidden_layers=layers,
                               num_attention_heads=2, intermediate_size=64, num_labels=len(classes), **_labels(classes))
    _save(TimesformerForVideoClassification(config).eval(), Path(folder), safe)
    return Path(folder)


def write_preprocessor(folder: Path, **values) -> None:
    data = {"image_processor_type": "VideoMAEImageProcessor", "image_mean": [0.45, 0.45, 0.45],
            "image_std": [0.225, 0.225, 0.225], "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
            "do_center_crop": True, "crop_size": {"height": 32, "width": 32}, "size": {"shortest_edge": 32}}
    data.update(values)
    (Path(folder) / "preprocessor_config.json").write_text(json.dumps(data))


def favour(folder: Path, raise_by: dict[int, float]) -> None:
    """Raise the head's bias of some classes (class index -> how much; safetensors folders): with two raised
    by about the same, a random model chooses between them by its input, so some clips are right, some wrong."""
    from safetensors.torch import load_file, save_file

    path = Path(folder) / "model.safetensors"
    state = load_file(path)
    for i, by in raise_by.items():
        state["classifier.bias"][i] += by
    save_file(state, path, metadata={"format": "pt"})
