"""Space-time alignment through the project's whole path, with a model whose answer is known.

The model's decision depends on one thing only: pixels brighter than a threshold (a bright patch
that moves across a non-square frame). Its map must therefore peak on the patch, in every original
frame of the segment, after the spec's resize (centre crop or stretch), the temporal sampling, the
CAM, the trilinear upsampling and the mapping back to original frames (``explain_segment``).
A static bright block in the part of the frame the centre crop cuts away must never be seen.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import torch
from torch import nn

from cabinlens.engine.explain.gradcam import WEIGHTINGS
from cabinlens.engine.explain.segment import explain_segment
from cabinlens.engine.models.spec import InputSpec, ModelSpec
from cabinlens.engine.video.reader import VideoReader

FW, FH, N, PATCH = 320, 200, 64, 18
START, END = 8, 56


def patch_box(frame: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the moving patch: a diagonal sweep that stays inside the centre crop."""
    x0 = 75 + round(2.6 * frame)
    y0 = 12 + round(2.3 * frame)
    return x0, y0, x0 + PATCH, y0 + PATCH


def write_clip(path: Path, static_block: bool) -> Path:
    rng = np.random.default_rng(0)
    texture = rng.integers(20, 90, (FH, FW), dtype=np.uint8)  # darker than the threshold everywhere
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = FW, FH, "yuv444p"
        stream.options = {"crf": "0", "bf": "2", "g": "16", "preset": "ultrafast"}
        for k in range(N):
            img = texture.copy()
            if static_block:
                img[60:140, 4:40] = 250  # outside the centre crop of a 320x200 frame
            x0, y0, x1, y1 = patch_box(k)
            img[y0:y1, x0:x1] = 250
            frame = av.VideoFrame.from_ndarray(np.repeat(img[..., None], 3, axis=2), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


class BrightPatchModel(nn.Module):
    """score(patch) = mean over space-time of a 4x4-pooled ReLU(brightness - 0.7); score(none) = minus that."""

    def __init__(self) -> None:
        super().__init__()
        self.detect = nn.Conv3d(3, 1, 1)
        self.relu = nn.ReLU()
        self.pool = nn.AvgPool3d((1, 4, 4))  # the CAM layer: the input's time, a quarter of its space
        self.fc = nn.Linear(1, 2)
        with torch.no_grad():
            self.detect.weight.fill_(1 / 3)
            self.detect.bias.fill_(-0.7)
            self.fc.weight.copy_(torch.tensor([[1.0], [-1.0]]))
            self.fc.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.relu(self.detect(x))).mean(dim=(2, 3, 4)))


def spec_for(size: tuple[int, int], resize: str) -> ModelSpec:
    return ModelSpec(arch="bright_patch", family="test",
                     input=InputSpec(frames=8, size=size, sampling="uniform", resize=resize),
                     cam_layer="pool", feature_layer="fc", classes=("patch", "none"))


def peak_in_frame(frame_map: np.ndarray, region: tuple[float, float, float, float]) -> tuple[float, float]:
    """The map's peak (x, y) in original pixels, from the input-size map laid over ``region``."""
    top, left, h, w = region
    row, col = np.unravel_index(int(np.argmax(frame_map)), frame_map.shape)
    return left + (col + 0.5) * w / frame_map.shape[1], top + (row + 0.5) * h / frame_map.shape[0]


def inside(point: tuple[float, float], box: tuple[int, int, int, int], margin: float) -> bool:
    x, y = point
    x0, y0, x1, y1 = box
    return x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin


@pytest.mark.parametrize("mode", WEIGHTINGS)
@pytest.mark.parametrize(("size", "resize"), [((112, 112), "short_side_center_crop"), ((96, 128), "stretch")])
def test_cam_peak_follows_the_moving_patch_in_every_original_frame(tmp_path, size, resize, mode):
    crop = resize == "short_side_center_crop"
    video = write_clip(tmp_path / "patch.mp4", static_block=crop)
    spec = spec_for(size, resize)
    model = BrightPatchModel().eval()
    with VideoReader(video) as reader:
        cam = explain_segment(model, spec, reader, START, END, targets=[0], mode=mode)
    top, left, h, w = cam.region
    if crop:  # the crop keeps the frame's full height and the middle 200 of its 320 columns
        assert (top, h) == (0, FH) and 55 <= left <= 62 and 195 <= w <= 205
    else:
        assert cam.region == (0.0, 0.0, float(FH), float(FW))
    assert float(cam.logits[0]) > 0 > float(cam.logits[1])
    # one input pixel spans this many original pixels: the peak may sit half a cell off the patch
    cell = 4 * max(h / size[0], w / size[1])
    sampled = list(cam.sampled)
    for n, frame in enumerate(cam.frames):
        peak = peak_in_frame(cam.frame_maps[n, 0].numpy(), cam.region)
        if frame in sampled:
            assert inside(peak, patch_box(int(frame)), cell / 2), (frame, peak, patch_box(int(frame)))
        else:  # between two sampled frames the map blends theirs: the peak lies on one of them or between
            before = max(s for s in sampled if s < frame) if frame > sampled[0] else sampled[0]
            after = min(s for s in sampled if s > frame) if frame < sampled[-1] else sampled[-1]
            a, b = patch_box(int(before)), patch_box(int(after))
            span = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
            assert inside(peak, span, cell / 2), (frame, peak, span)
        if crop:  # the static block lies outside what the model sees
            assert peak[0] > 59


def test_sampled_frame_maps_move_with_the_patch_not_with_time_order(tmp_path):
    """Reversing the patch's path in time must reverse where the sampled frames' peaks are."""
    video = write_clip(tmp_path / "patch.mp4", static_block=False)
    spec = spec_for((112, 112), "short_side_center_crop")
    with VideoReader(video) as reader:
        cam = explain_segment(BrightPatchModel().eval(), spec, reader, START, END, targets=[0])
    xs = [peak_in_frame(cam.frame_map(int(f), 0), cam.region)[0] for f in cam.sampled]
    assert all(b > a for a, b in zip(xs, xs[1:]))  # the patch moves right, so do the peaks
