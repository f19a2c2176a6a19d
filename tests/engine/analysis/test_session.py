"""The player's numpy CAM of a frame agrees with the torch per-frame maps of engine.explain."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from media import write_h264

from cabinlens.engine.analysis.session import layer_slice
from cabinlens.engine.explain.segment import explain_segment
from cabinlens.engine.models import build_model, default_spec
from cabinlens.engine.video import VideoReader


def test_numpy_frame_cam_matches_the_torch_frame_maps(tmp_path):
    torch.manual_seed(0)
    spec = default_spec("c3d_small", tuple(f"c{i}" for i in range(5)))
    model = build_model(spec)
    video = write_h264(tmp_path / "v.mp4", n=120, width=160, height=128, gop=30)
    with VideoReader(video) as reader:
        cam = explain_segment(model, spec, reader, 10, 90, top=2, normalisation="raw")
    maps = cam.layer_maps.numpy()
    for k in range(2):
        scale = float(np.abs(cam.frame_maps[:, k]).max()) or 1.0
        for row, frame in enumerate(cam.frames):
            mine = cv2.resize(layer_slice(maps[k], cam.sampled, int(frame)), (112, 112), interpolation=cv2.INTER_LINEAR)
            theirs = cam.frame_maps[row, k].numpy()
            tol = 1e-4 if frame in cam.sampled else 0.05  # between samples the two blend slightly differently
            np.testing.assert_allclose(mine / scale, theirs / scale, atol=tol, err_msg=f"frame {frame}")
