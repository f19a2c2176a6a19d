"""C3D with the key names every public port uses (conv1 ... conv5b, fc6, fc7, fc8).

The original flattens pool5 to exactly 8192 values, so it only accepts 16x112x112. Here pool5's
output is average-pooled to the native 1x4x4 when it has another size; at 16x112x112 that is
the identity, so native results are unchanged. ``width`` scales the channels for the demo;
``norm`` adds batch normalisation after every convolution (``bn1`` ... ``bn5b``), which the
original lacks and without which a narrow C3D barely trains from scratch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


_CONVS = ("1", "2", "3a", "3b", "4a", "4b", "5a", "5b")


class C3D(nn.Module):
    def __init__(self, num_classes: int = 487, *, width: float = 1.0, fc_width: int = 4096, dropout: float = 0.5,
                 norm: bool = False) -> None:
        super().__init__()

        def c(n: int) -> int:
            return max(4, int(round(n * width)))

        self.conv1 = nn.Conv3d(3, c(64), 3, padding=1)
        self.pool1 = nn.MaxPool3d((1, 2, 2), (1, 2, 2))
        self.conv2 = nn.Conv3d(c(64), c(128), 3, padding=1)
        self.pool2 = nn.MaxPool3d(2, 2)
        self.conv3a = nn.Conv3d(c(128), c(256), 3, padding=1)
        self.conv3b = nn.Conv3d(c(256), c(256), 3, padding=1)
        self.pool3 = nn.MaxPool3d(2, 2)
        self.conv4a = nn.Conv3d(c(256), c(512), 3, padding=1)
        self.conv4b = nn.Conv3d(c(512), c(512), 3, padding=1)
        self.pool4 = nn.MaxPool3d(2, 2)
        self.conv5a = nn.Conv3d(c(512), c(512), 3, padding=1)
        self.conv5b = nn.Conv3d(c(512), c(512), 3, padding=1)
        self.pool5 = nn.MaxPool3d(2, 2, padding=(0, 1, 1))
        self.flat_dim = c(512) * 16
        self.fc6 = nn.Linear(self.flat_dim, fc_width)
        self.fc7 = nn.Linear(fc_width, fc_width)
        self.fc8 = nn.Linear(fc_width, num_classes)
        self.dropout = nn.Dropout(dropout)
        self.norm = norm
        for name in _CONVS:
            conv = getattr(self, f"conv{name}")
            setattr(self, f"bn{name}", nn.BatchNorm3d(conv.out_channels) if norm else nn.Identity())
        self.num_classes = num_classes
        self.feature_dim = fc_width

    def extract(self, x: torch.Tensor) -> torch.Tensor:
        """Input (B, 3, T, H, W) -> conv5b activations (B, C, T/8, H/16, W/16)."""
        x = self.pool1(self._unit("1", x))
        x = self.pool2(self._unit("2", x))
        x = self.pool3(self._unit("3b", self._unit("3a", x)))
        x = self.pool4(self._unit("4b", self._unit("4a", x)))
        return self._unit("5b", self._unit("5a", x))

    def _unit(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return F.relu(getattr(self, f"bn{name}")(getattr(self, f"conv{name}")(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool5(self.extract(x))
        if x.shape[2:] != (1, 4, 4):
            x = F.adaptive_avg_pool3d(x, (1, 4, 4))
        x = x.flatten(1)
        x = self.dropout(F.relu(self.fc6(x)))
        x = self.dropout(F.relu(self.fc7(x)))
        return self.fc8(x)
