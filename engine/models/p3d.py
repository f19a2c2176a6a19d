"""Pseudo-3D ResNet (P3D63/131/199) with the key names of the public port (qijiezhao).

Blocks cycle through the A, B, C structures globally over layer1-layer3 (block n has structure
"ABC"[n % 3]); layer4 is 2D with time folded into the batch, as in the original. Differences,
none of which changes a result at the native input (16x160x160): the original silently returned
one row per remaining time step when given more frames, here those rows are averaged per clip;
the final 5x5 average pool adapts to other spatial sizes. ``width`` scales the channels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

DEPTHS = {"p3d63": (3, 4, 6, 3), "p3d131": (3, 4, 23, 3), "p3d199": (3, 8, 36, 3)}


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, downsample: nn.Module | None, n_s: int, depth_3d: int) -> None:
        super().__init__()
        self.downsample = downsample
        self.id = n_s
        self.depth_3d = depth_3d
        self.structure = "ABC"[n_s % 3]
        self.is_3d = n_s < depth_3d
        if self.is_3d:
            stride = 1 if n_s == 0 else ((1, 2, 2) if downsample is not None else 1)
            self.conv1 = nn.Conv3d(inplanes, planes, kernel_size=1, bias=False, stride=stride)
            self.bn1 = nn.BatchNorm3d(planes)
            self.conv2 = nn.Conv3d(planes, planes, (1, 3, 3), padding=(0, 1, 1), bias=False)
            self.bn2 = nn.BatchNorm3d(planes)
            self.conv3 = nn.Conv3d(planes, planes, (3, 1, 1), padding=(1, 0, 0), bias=False)
            self.bn3 = nn.BatchNorm3d(planes)
            self.conv4 = nn.Conv3d(planes, planes * 4, kernel_size=1, bias=False)
            self.bn4 = nn.BatchNorm3d(planes * 4)
        else:
            stride = 2 if n_s == depth_3d else 1
            self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False, stride=stride)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv_normal = nn.Conv2d(planes, planes, kernel_size=3, padding=1, bias=False)
            self.bn_normal = nn.BatchNorm2d(planes)
            self.conv4 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
            self.bn4 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)

    def _st(self, x: torch.Tensor) -> torch.Tensor:
        s = self.relu(self.bn2(self.conv2(x)))
        if self.structure == "A":  # spatial then temporal
            return self.relu(self.bn3(self.conv3(s)))
        if self.structure == "B":  # spatial and temporal in parallel
            return self.relu(self.bn3(self.conv3(x))) + s
        return self.relu(self.bn3(self.conv3(s))) + s  # C: temporal on spatial, plus a shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self._st(out) if self.is_3d else self.relu(self.bn_normal(self.conv_normal(out)))
        out = self.bn4(self.conv4(out))
        residual = self.downsample(x) if self.downsample is not None else x
        return self.relu(out + residual)


class P3D(nn.Module):
    def __init__(self, num_classes: int = 400, *, layers: tuple[int, int, int, int] = DEPTHS["p3d63"],
                 width: float = 1.0, dropout: float = 0.5) -> None:
        super().__init__()

        def c(n: int) -> int:
            return max(4, int(round(n * width)))

        self.inplanes = c(64)
        self.depth_3d = sum(layers[:3])
        self.cnt = 0
        self.conv1_custom = nn.Conv3d(3, c(64), (1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False)
        self.bn1 = nn.BatchNorm3d(c(64))
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool3d(kernel_size=(2, 3, 3), stride=2, padding=(0, 1, 1))
        self.maxpool_2 = nn.MaxPool3d(kernel_size=(2, 1, 1), padding=0, stride=(2, 1, 1))
        self.layer1 = self._make_layer(c(64), layers[0], stride=1)
        self.layer2 = self._make_layer(c(128), layers[1], stride=2)
        self.layer3 = self._make_layer(c(256), layers[2], stride=2)
        self.layer4 = self._make_layer(c(512), layers[3], stride=2)
        self.avgpool = nn.AvgPool2d(kernel_size=(5, 5), stride=1)
        self.dropout = nn.Dropout(p=dropout)
        self.feature_dim = c(512) * 4
        self.fc = nn.Linear(self.feature_dim, num_classes)
        self.num_classes = num_classes

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            if self.cnt < self.depth_3d:
                stride_p = 1 if self.cnt == 0 else (1, 2, 2)
                downsample = nn.Sequential(
                    nn.Conv3d(self.inplanes, planes * 4, kernel_size=1, stride=stride_p, bias=False),
                    nn.BatchNorm3d(planes * 4),
                )
            else:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * 4, kernel_size=1, stride=2, bias=False),
                    nn.BatchNorm2d(planes * 4),
                )
        layers = [Bottleneck(self.inplanes, planes, downsample, self.cnt, self.depth_3d)]
        self.cnt += 1
        self.inplanes = planes * 4
        for _ in range(1, blocks):
            layers.append(Bottleneck(self.inplanes, planes, None, self.cnt, self.depth_3d))
            self.cnt += 1
        return nn.Sequential(*layers)

    def extract(self, x: torch.Tensor) -> torch.Tensor:
        """Input (B, 3, T, H, W) -> layer4 output (B*T', C, H', W'), time folded into the batch."""
        x = self.maxpool(self.relu(self.bn1(self.conv1_custom(x))))
        x = self.maxpool_2(self.layer1(x))
        x = self.maxpool_2(self.layer2(x))
        x = self.maxpool_2(self.layer3(x))
        b, ch, t, h, w = x.shape
        x = x.transpose(1, 2).reshape(b * t, ch, h, w)  # the original's view(-1, C, H, W) for T' = 1
        return self.layer4(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        x = self.extract(x)
        x = self.avgpool(x) if x.shape[2:] == (5, 5) else F.adaptive_avg_pool2d(x, 1)
        x = x.flatten(1).view(batch, -1, self.feature_dim).mean(dim=1)  # one row per clip
        return self.fc(self.dropout(x))
