"""Every architecture CabinLens can build, with its default spec; builders take no downloads.

torchvision models are built with ``weights=None``: weights always come from the user's file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.models.c3d import C3D
from cabinlens.engine.models.i3d import InceptionI3d
from cabinlens.engine.models.p3d import DEPTHS, P3D
from cabinlens.engine.models.spec import InputSpec, ModelSpec

KINETICS_RESNET = dict(mean=(0.43216, 0.394666, 0.37645), std=(0.22803, 0.22145, 0.216989))
KINETICS = dict(mean=(0.45, 0.45, 0.45), std=(0.225, 0.225, 0.225))
IMAGENET = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))


@dataclass(frozen=True)
class Architecture:
    name: str
    family: str
    description: str
    build: Callable[..., nn.Module]  # build(num_classes, **options)
    spec: ModelSpec  # default spec; classes empty


class _ShrinkingAvgPool3d(nn.Module):
    """S3D's fixed 2x7x7 average pool, shrunk to the map when the map is smaller (no weights)."""

    def __init__(self, kernel: tuple[int, int, int]) -> None:
        super().__init__()
        self.kernel = kernel

    def forward(self, x):
        import torch.nn.functional as F

        return F.avg_pool3d(x, tuple(min(k, s) for k, s in zip(self.kernel, x.shape[2:])), stride=1)


def _tv(builder_name: str) -> Callable[..., nn.Module]:
    def build(num_classes: int, **options) -> nn.Module:
        from torchvision.models import video

        model = getattr(video, builder_name)(weights=None, num_classes=num_classes, **options)
        if builder_name == "s3d":  # identical at 224x224; works at smaller sizes too
            model.avgpool = _ShrinkingAvgPool3d((2, 7, 7))
        return model

    return build


def _spec(arch: str, family: str, input_spec: InputSpec, cam: str, feature: str, layout: str = "auto", **options) -> ModelSpec:
    return ModelSpec(arch=arch, family=family, input=input_spec, cam_layer=cam, feature_layer=feature,
                     cam_layout=layout, options=options)


_I3D_INPUT = InputSpec(frames=32, size=(224, 224), value_range=(-1.0, 1.0))
_C3D_INPUT = InputSpec(frames=16, size=(112, 112), value_range=(0.0, 255.0), sampling="center")
_P3D_INPUT = InputSpec(frames=16, size=(160, 160), **IMAGENET)
_TV_RESNET_INPUT = InputSpec(frames=16, size=(112, 112), **KINETICS_RESNET)

ARCHITECTURES: dict[str, Architecture] = {}


def _add(arch: Architecture) -> None:
    ARCHITECTURES[arch.name] = arch


_add(Architecture("i3d", "i3d", "Inflated 3D ConvNet (Inception-v1), 32x224x224, RGB in [-1, 1]",
                  lambda n, **o: InceptionI3d(n, **o), _spec("i3d", "i3d", _I3D_INPUT, "Mixed_5c", "logits")))
_add(Architecture("i3d_small", "i3d", "I3D at a quarter of the channels (demo), 16x112x112",
                  lambda n, **o: InceptionI3d(n, **o),
                  _spec("i3d_small", "i3d", _I3D_INPUT.with_(frames=16, size=(112, 112)), "Mixed_5c", "logits", width=0.25)))
_add(Architecture("c3d", "c3d", "C3D, 16x112x112, raw 0-255 RGB (set the port's preprocessing in the spec)",
                  lambda n, **o: C3D(n, **o), _spec("c3d", "c3d", _C3D_INPUT, "conv5b", "fc8")))
_add(Architecture("c3d_small", "c3d", "C3D at an eighth of the channels with batch norm, 256-wide fc (demo)",
                  lambda n, **o: C3D(n, **o),
                  _spec("c3d_small", "c3d", _C3D_INPUT.with_(value_range=(0.0, 1.0), mean=(0.45,) * 3, std=(0.225,) * 3),
                        "bn5b", "fc8", width=0.125, fc_width=256, norm=True)))
for _name, _layers in DEPTHS.items():
    _add(Architecture(_name, "p3d", f"Pseudo-3D ResNet, blocks {list(_layers)}, 16x160x160, ImageNet mean/std",
                      lambda n, **o: P3D(n, **o), _spec(_name, "p3d", _P3D_INPUT, "layer4", "fc", "folded", layers=_layers)))
_add(Architecture("p3d_small", "p3d", "P3D with one block per stage at a quarter of the channels (demo)",
                  lambda n, **o: P3D(n, **o),
                  _spec("p3d_small", "p3d", _P3D_INPUT.with_(size=(112, 112)), "layer4", "fc", "folded", layers=(1, 1, 1, 1), width=0.25)))
for _name, _what in (("r3d_18", "ResNet3D-18"), ("mc3_18", "Mixed-convolution ResNet-18"), ("r2plus1d_18", "R(2+1)D-18")):
    _add(Architecture(_name, "torchvision", f"torchvision {_what}, 16x112x112, Kinetics mean/std",
                      _tv(_name), _spec(_name, "torchvision", _TV_RESNET_INPUT, "layer4", "fc")))
_add(Architecture("s3d", "torchvision", "torchvision S3D, 16x224x224", _tv("s3d"),
                  _spec("s3d", "torchvision", InputSpec(frames=16, size=(224, 224), **KINETICS), "features", "classifier")))
_add(Architecture("mvit_v2_s", "torchvision", "torchvision MViT-v2-S, exactly 16x224x224 (tokens)", _tv("mvit_v2_s"),
                  _spec("mvit_v2_s", "torchvision", InputSpec(frames=16, size=(224, 224), **KINETICS), "blocks.15", "head", "tokens")))
_add(Architecture("swin3d_t", "torchvision", "torchvision Swin3D-T, 16x224x224 (channels-last features)", _tv("swin3d_t"),
                  _spec("swin3d_t", "torchvision", InputSpec(frames=16, size=(224, 224), **KINETICS), "features", "head", "BTHWC")))


def get_architecture(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise CabinLensError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}") from None


def build_model(spec: ModelSpec, num_classes: int | None = None) -> nn.Module:
    """A fresh model for ``spec`` (random weights), in eval mode."""
    arch = get_architecture(spec.arch)
    n = num_classes if num_classes is not None else len(spec.classes)
    if n <= 0:
        raise CabinLensError(f"{spec.arch}: the number of classes is unknown")
    model = arch.build(n, **spec.options)
    return model.eval()


def default_spec(name: str, classes: tuple[str, ...] = ()) -> ModelSpec:
    return get_architecture(name).spec.with_(classes=tuple(classes))
