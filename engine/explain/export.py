"""Write a segment's Grad-CAM to disk: one ``.npz`` (no pickles) and optional overlay PNGs.

Every file is written atomically, so an interrupted export leaves either the finished file or
nothing; a re-run overwrites cleanly.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from cabinlens.engine.explain.overlay import overlay
from cabinlens.engine.explain.segment import SegmentCam
from cabinlens.engine.io import atomic_path
from cabinlens.engine.video.reader import VideoReader


def cam_arrays(cam: SegmentCam, *, model: str, checkpoint_sha256: str = "") -> dict[str, np.ndarray]:
    """Plain arrays (numbers and unicode strings) that ``np.load(..., allow_pickle=False)`` reads."""
    arrays = {
        "layer_maps": cam.layer_maps.numpy().astype(np.float32),
        "frame_maps": cam.frame_maps.numpy().astype(np.float16),
        "frames": cam.frames,
        "sampled": cam.sampled,
        "targets": cam.targets.astype(np.int64),
        "target_names": np.array(cam.target_names, dtype=str),
        "class_names": np.array(cam.classes, dtype=str),
        "logits": cam.logits.astype(np.float32),
        "scale": cam.scale,
        "region": np.array(cam.region, dtype=np.float64),
        "mode": np.array(cam.mode),
        "layer": np.array(cam.layer),
        "normalisation": np.array(cam.normalisation),
        "video": np.array(str(cam.video)),
        "segment": np.array([cam.start, cam.end], dtype=np.int64),
        "model": np.array(model),
        "checkpoint_sha256": np.array(checkpoint_sha256),
    }
    if cam.input is not None:
        arrays["input"] = cam.input.numpy().astype(np.float32)
    return arrays


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def write_overlays(directory: str | Path, cam: SegmentCam, reader: VideoReader) -> list[Path]:
    """One PNG per original frame of the segment and target: ``frame_000123_<class>.png``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = [n.split(" ")[0] for n in cam.target_names]
    written = []
    for row, (index, frame) in enumerate(reader.iter_frames(cam.start, cam.end)):
        for k, name in enumerate(names):
            image = overlay(frame, cam.frame_maps[row, k].float().numpy(), cam.region)
            out = directory / f"frame_{index:06d}_{name}.png"
            ok, encoded = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
            if not ok:
                raise OSError(f"could not encode {out}")
            with atomic_path(out) as tmp:
                tmp.write_bytes(encoded.tobytes())
            written.append(out)
    return written
