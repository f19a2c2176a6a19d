"""I3D (Inception-v1 inflated to 3D) with the parameter names of the most used PyTorch port.

Names match piergiaj's ``pytorch_i3d.py`` (``Conv3d_1a_7x7.conv3d.weight``, ``Mixed_3b.b1a...``,
``logits.conv3d.*``), so its checkpoints load as they are; hassony2-style names are mapped in
``checkpoints.py``. Differences from the original, none of which changes a result at the native
input (T x 224 x 224): the final average pool shrinks to the feature map when it is smaller
than 2x7x7 (the original fails), remaining positions are averaged, and ``forward`` returns the
clip logits (the mean over time the original leaves to the caller). ``width`` scales every
channel count for the small demo variant, keeping names and structure.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow 'SAME' padding as the original port computes it: (front, back)."""
    if size % stride == 0:
        pad = max(kernel - stride, 0)
    else:
        pad = max(kernel - (size % stride), 0)
    return pad // 2, pad - pad // 2


def _pad_same(x: torch.Tensor, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> torch.Tensor:
    t, h, w = x.shape[2:]
    pt, ph, pw = (_same_pad(s, k, st) for s, k, st in zip((t, h, w), kernel, stride))
    return F.pad(x, (*pw, *ph, *pt))


class MaxPool3dSamePadding(nn.MaxPool3d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(_pad_same(x, self.kernel_size, self.stride))


class Unit3D(nn.Module):
    """Conv3d (SAME padding, no bias) + BatchNorm (eps 1e-3) + ReLU, as in the original."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int, int] = (1, 1, 1),
        stride: tuple[int, int, int] = (1, 1, 1),
        *,
        activation: bool = True,
        batch_norm: bool = True,
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.activation = kernel, stride, activation
        self.conv3d = nn.Conv3d(in_channels, out_channels, kernel, stride=stride, padding=0, bias=bias)
        self.bn = nn.BatchNorm3d(out_channels, eps=0.001, momentum=0.01) if batch_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv3d(_pad_same(x, self.kernel, self.stride))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.activation else x


class InceptionModule(nn.Module):
    def __init__(self, in_channels: int, out: list[int]) -> None:
        super().__init__()
        self.b0 = Unit3D(in_channels, out[0])
        self.b1a = Unit3D(in_channels, out[1])
        self.b1b = Unit3D(out[1], out[2], (3, 3, 3))
        self.b2a = Unit3D(in_channels, out[3])
        self.b2b = Unit3D(out[3], out[4], (3, 3, 3))
        self.b3a = MaxPool3dSamePadding(kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=0)
        self.b3b = Unit3D(in_channels, out[5])
        self.out_channels = out[0] + out[2] + out[4] + out[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], dim=1)


# (name, kind, arguments) in forward order; Inception channel lists of the original network.
_MIXED = {
    "Mixed_3b": [64, 96, 128, 16, 32, 32],
    "Mixed_3c": [128, 128, 192, 32, 96, 64],
    "Mixed_4b": [192, 96, 208, 16, 48, 64],
    "Mixed_4c": [160, 112, 224, 24, 64, 64],
    "Mixed_4d": [128, 128, 256, 24, 64, 64],
    "Mixed_4e": [112, 144, 288, 32, 64, 64],
    "Mixed_4f": [256, 160, 320, 32, 128, 128],
    "Mixed_5b": [256, 160, 320, 32, 128, 128],
    "Mixed_5c": [384, 192, 384, 48, 128, 128],
}


class InceptionI3d(nn.Module):
    """I3D for ``num_classes`` classes; ``forward`` -> (B, num_classes) clip logits."""

    def __init__(self, num_classes: int = 400, *, in_channels: int = 3, width: float = 1.0, dropout: float = 0.5) -> None:
        super().__init__()

        def c(n: int) -> int:
            return max(4, int(round(n * width)))

        self.num_classes = num_classes
        self.Conv3d_1a_7x7 = Unit3D(in_channels, c(64), (7, 7, 7), (2, 2, 2))
        self.MaxPool3d_2a_3x3 = MaxPool3dSamePadding(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=0)
        self.Conv3d_2b_1x1 = Unit3D(c(64), c(64))
        self.Conv3d_2c_3x3 = Unit3D(c(64), c(192), (3, 3, 3))
        self.MaxPool3d_3a_3x3 = MaxPool3dSamePadding(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=0)
        channels = c(192)
        for name in ("Mixed_3b", "Mixed_3c", "MaxPool3d_4a_3x3", "Mixed_4b", "Mixed_4c", "Mixed_4d",
                     "Mixed_4e", "Mixed_4f", "MaxPool3d_5a_2x2", "Mixed_5b", "Mixed_5c"):
            if name == "MaxPool3d_4a_3x3":
                self.add_module(name, MaxPool3dSamePadding(kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=0))
            elif name == "MaxPool3d_5a_2x2":
                self.add_module(name, MaxPool3dSamePadding(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=0))
            else:
                module = InceptionModule(channels, [c(n) for n in _MIXED[name]])
                self.add_module(name, module)
                channels = module.out_channels
        self.feature_dim = channels
        self.avg_pool = nn.AvgPool3d(kernel_size=(2, 7, 7), stride=(1, 1, 1))
        self.dropout = nn.Dropout(dropout)
        self.logits = Unit3D(channels, num_classes, activation=False, batch_norm=False, bias=True)

    def extract(self, x: torch.Tensor) -> torch.Tensor:
        """Input (B, 3, T, H, W) -> Mixed_5c output (B, C, T/8, H/32, W/32)."""
        for name in ("Conv3d_1a_7x7", "MaxPool3d_2a_3x3", "Conv3d_2b_1x1", "Conv3d_2c_3x3", "MaxPool3d_3a_3x3",
                     "Mixed_3b", "Mixed_3c", "MaxPool3d_4a_3x3", "Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e",
                     "Mixed_4f", "MaxPool3d_5a_2x2", "Mixed_5b", "Mixed_5c"):
            x = self._modules[name](x)
        return x

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """The original 2x7x7 average pool, shrunk to the map when the map is smaller."""
        kernel = tuple(min(k, s) for k, s in zip((2, 7, 7), x.shape[2:]))
        if kernel == (2, 7, 7):
            return self.avg_pool(x)
        return F.avg_pool3d(x, kernel_size=kernel, stride=1)

    def forward_per_time(self, x: torch.Tensor) -> torch.Tensor:
        """Logits per remaining time step (B, num_classes, T'), as the original returns them."""
        x = self.logits(self.dropout(self.pool(self.extract(x))))
        return x.mean(dim=(3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_per_time(x).mean(dim=2)
