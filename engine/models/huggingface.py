"""Hugging Face video classifiers saved with ``save_pretrained``: a folder read without running code.

A folder holds ``config.json`` and ``model.safetensors`` (preferred) or ``pytorch_model.bin``, often
with ``preprocessor_config.json``. The config is parsed as JSON and handed to the concrete model
class of a supported ``model_type`` (never ``AutoModel`` with remote code); the weights are read
by ``transformers`` from safetensors, or with ``torch.load(weights_only=True)``. ``transformers``
is imported only here, when such a folder is loaded, so the window and the CLI's --help do not
pay for it.

The model is wrapped (``VideoClassifier``) so that it takes CabinLens's (B, C, T, H, W) input and
returns logits: the analysis, the runner and Grad-CAM need no special case. Its layer names are
the Hugging Face ones under ``hf.`` (``hf.videomae.encoder.layer.11``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from cabinlens.engine.io import file_sha256
from cabinlens.engine.models.reading import CheckpointError
from cabinlens.engine.models.spec import InputSpec, ModelSpec

CONFIG = "config.json"
PREPROCESSOR = "preprocessor_config.json"
WEIGHTS = ("model.safetensors", "pytorch_model.bin")  # in order of preference
SHARDED = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
#: Names of files that mark a path inside a Hugging Face model folder.
FOLDER_FILES = (CONFIG, PREPROCESSOR, *WEIGHTS, *SHARDED)
IMAGENET = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))  # VideoMAEImageProcessor's defaults


@dataclass(frozen=True)
class HFType:
    """What CabinLens knows about one ``model_type``: its class and how its tokens lie."""

    model_type: str
    class_name: str
    base: str  # attribute of the backbone in the classifier ("videomae")
    description: str
    token_order: str  # "thw": time slowest (VideoMAE's tubelets); "hwt": time fastest (TimeSformer)


HF_TYPES: dict[str, HFType] = {
    "videomae": HFType("videomae", "VideoMAEForVideoClassification", "videomae",
                       "VideoMAE (ViT on tubelets)", "thw"),
    "timesformer": HFType("timesformer", "TimesformerForVideoClassification", "timesformer",
                          "TimeSformer (divided space-time attention, class token)", "hwt"),
}


def supported_types() -> str:
    return ", ".join(sorted(HF_TYPES))


class VideoClassifier(nn.Module):
    """A Hugging Face video classifier that takes (B, C, T, H, W) and returns logits (B, classes).

    ``token_grid`` (T', H', W') and ``token_layout`` tell Grad-CAM how its blocks' tokens read as a
    volume, for any block (``explain.gradcam.GradCam`` reads them from the model).
    """

    def __init__(self, hf: nn.Module, token_grid: tuple[int, int, int], token_layout: str) -> None:
        super().__init__()
        self.hf = hf
        self.token_grid = tuple(int(v) for v in token_grid)
        self.token_layout = token_layout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.hf(pixel_values=x.transpose(1, 2), return_dict=True).logits

    @property
    def base(self) -> str:
        """The backbone's attribute name ("videomae", "timesformer")."""
        return next(name for name, _ in self.hf.named_children() if hasattr(getattr(self.hf, name), "encoder"))

    def token_blocks(self) -> list[str]:
        """The encoder blocks, input to output, whose tokens read as the ``token_grid`` volume
        (``explain.multilayer`` maps each of them)."""
        layers = getattr(self.hf, self.base).encoder.layer
        return [f"hf.{self.base}.encoder.layer.{i}" for i in range(len(layers))]

    def cascade_blocks(self) -> list[str]:
        """Every unit that holds parameters, for the sanity check's cascading randomisation: the
        embeddings, each encoder block, the final norms and the head (``cascade_order`` orders them
        by the forward pass); a plain model's top-level children would be the one wrapper ``hf``."""
        backbone = getattr(self.hf, self.base)
        names = [f"hf.{self.base}.{name}" for name, child in backbone.named_children() if name != "encoder"
                 and any(True for _ in child.parameters())]
        names += self.token_blocks()
        names += [f"hf.{name}" for name, child in self.hf.named_children() if name != self.base
                  and any(True for _ in child.parameters())]
        return names


# ----------------------------------------------------------------------------- finding the folder
def hf_folder(path: str | Path) -> Path | None:
    """The model folder when ``path`` is one (a folder with config.json) or a file of one, else None."""
    path = Path(path)
    if path.is_dir():
        return path if (path / CONFIG).is_file() else None
    if path.is_file() and path.name in FOLDER_FILES and (path.parent / CONFIG).is_file():
        return path.parent
    return None


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(path, f"{what} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CheckpointError(path, f"{what} is not a JSON object")
    return data


def read_config(folder: Path) -> tuple[dict, HFType]:
    """config.json and the supported type it names; an unsupported one is one line naming the supported types."""
    config = _read_json(folder / CONFIG, "config.json")
    model_type = config.get("model_type")
    if model_type not in HF_TYPES:
        named = f"model type {model_type!r}" if model_type else "no model type"
        raise CheckpointError(folder, f"config.json names {named}; CabinLens reads Hugging Face video "
                                      f"classifiers of the types {supported_types()}")
    kind = HF_TYPES[model_type]
    archs = config.get("architectures") or []
    if archs and kind.class_name not in archs:
        raise CheckpointError(folder, f"holds a {archs[0]}, not a {kind.class_name}: CabinLens needs the video "
                                      "classifier (a classification head)")
    return config, kind


def weights_file(folder: Path) -> Path:
    for name in (*WEIGHTS, *SHARDED):
        if (folder / name).is_file():
            return folder / name
    raise CheckpointError(folder, f"holds config.json but no weights ({' or '.join(WEIGHTS)})")


# ----------------------------------------------------------------------------- the input spec
def token_grid(config: dict, kind: HFType) -> tuple[int, int, int]:
    """(T', H', W') of the tokens every block holds (besides TimeSformer's class token)."""
    frames, size, patch = int(config.get("num_frames", 16)), int(config.get("image_size", 224)), int(config.get("patch_size", 16))
    tubelet = int(config.get("tubelet_size", 2)) if kind.model_type == "videomae" else 1
    return frames // tubelet, size // patch, size // patch


def _pair(value, fallback: tuple[int, int]) -> tuple[int, int]:
    if isinstance(value, dict):
        if "height" in value and "width" in value:
            return int(value["height"]), int(value["width"])
        if "shortest_edge" in value:
            return int(value["shortest_edge"]), int(value["shortest_edge"])
    if isinstance(value, int):
        return value, value
    return fallback


def input_spec(folder: Path, config: dict) -> tuple[InputSpec, list[str], str]:
    """The input spec from config.json and preprocessor_config.json, what was assumed, and the source in words."""
    size = int(config.get("image_size", 224))
    spec = InputSpec(frames=int(config.get("num_frames", 16)), size=(size, size), **IMAGENET)
    assumed = ["sampling uniform (the files do not record how frames were taken from a segment)"]
    if "num_frames" not in config or "image_size" not in config:
        assumed.append(f"{spec.frames} frames of {size}x{size} (the defaults of the model type)")
    pre = folder / PREPROCESSOR
    if not pre.is_file():
        assumed.append("ImageNet mean/std, pixels in [0, 1], short side resized and centre-cropped "
                       "(no preprocessor_config.json; the image processor's defaults)")
        return spec, assumed, "from config.json"
    p = _read_json(pre, PREPROCESSOR)
    mean, std = p.get("image_mean"), p.get("image_std")
    if p.get("do_normalize", True) and isinstance(mean, list) and isinstance(std, list) and len(mean) == len(std) == 3:
        spec = spec.with_(mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std))
    elif not p.get("do_normalize", True):
        spec = spec.with_(mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    else:
        assumed.append("ImageNet mean/std (preprocessor_config.json gives none)")
    if p.get("do_rescale", True):
        factor = float(p.get("rescale_factor", 1 / 255))
        spec = spec.with_(value_range=(0.0, 255.0 * factor))
    else:
        spec = spec.with_(value_range=(0.0, 255.0))
    crop = p.get("do_center_crop", True)
    spec = spec.with_(resize="short_side_center_crop" if crop or "shortest_edge" in (p.get("size") or {}) else "stretch")
    shown = _pair(p.get("crop_size") if crop else p.get("size"), (size, size))
    if shown != (size, size):
        assumed.append(f"{size}x{size} as config.json says (the preprocessor gives {shown[0]}x{shown[1]}, "
                       "but the model's position embeddings are fixed)")
    return spec, assumed, "from config.json and preprocessor_config.json"


# ----------------------------------------------------------------------------- the layers
def encoder_layers(config: dict) -> int:
    return int(config.get("num_hidden_layers", 12))


def default_cam_layer(kind: HFType, config: dict) -> str:
    """The block Grad-CAM reads by default.

    VideoMAE: the last encoder layer's output, the finest evidence closest to the decision; the
    head averages all tokens, so every token's gradient is the class direction and Eq. 1-2 reads
    as the class score each tubelet contributes. TimeSformer: the head reads the class token
    alone, so the last layer's patch tokens get no gradient (an all-zero map); the layer before
    it is the last whose patch tokens reach the decision (through the last layer's attention).
    """
    layers = encoder_layers(config)
    if kind.model_type == "timesformer":
        return f"hf.timesformer.encoder.layer.{layers - 2}" if layers >= 2 else "hf.timesformer.embeddings"
    return f"hf.{kind.base}.encoder.layer.{layers - 1}"


def hf_spec(folder: Path, config: dict, kind: HFType) -> tuple[ModelSpec, list[str], str]:
    spec_in, assumed, source = input_spec(folder, config)
    grid = token_grid(config, kind)
    layout = "tokens" if kind.token_order == "thw" else "tokens-hwt"
    spec = ModelSpec(arch=kind.model_type, family="huggingface", input=spec_in, cam_layer=default_cam_layer(kind, config),
                     feature_layer="hf.classifier", cam_layout=layout,
                     options={"class": kind.class_name, "token_grid": list(grid), "layers": encoder_layers(config),
                              "hidden_size": int(config.get("hidden_size", 768))})
    return spec, assumed, source


# ----------------------------------------------------------------------------- loading
def _class_names_from(config: dict, n: int) -> list[str] | None:
    """id2label as a list, or None when its names are the generic LABEL_n ones (or do not fit)."""
    labels = config.get("id2label")
    if not isinstance(labels, dict):
        return None
    try:
        names = {int(k): str(v) for k, v in labels.items()}
    except ValueError:
        return None
    if sorted(names) != list(range(n)) or all(names[i] == f"LABEL_{i}" for i in range(n)):
        return None
    return [names[i] for i in range(n)]


def _quietly_load(cls, folder: Path, config, safetensors: bool):
    """``from_pretrained`` of a local folder: no hub, no progress bar, the loading report kept."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        return cls.from_pretrained(folder, config=config, local_files_only=True, use_safetensors=safetensors,
                                   dtype=torch.float32, output_loading_info=True)
    finally:
        hf_logging.set_verbosity(level)
        if bar:
            hf_logging.enable_progress_bar()


def load_hf(path: str | Path, *, arch: str | None = None, classes: list[str] | None = None,
            frames: int | None = None, size: int | tuple[int, int] | None = None):
    """A ``LoadedModel`` of a Hugging Face model folder (or a file of one); eval mode, on the CPU."""
    from cabinlens.engine.models.checkpoints import LoadedModel, class_names

    folder = hf_folder(path)
    if folder is None:
        raise CheckpointError(path, "is not a Hugging Face model folder (no config.json)")
    config, kind = read_config(folder)
    if arch is not None and arch != kind.model_type:
        raise CheckpointError(folder, f"is a {kind.model_type} model folder, not {arch}")
    weights = weights_file(folder)
    spec, assumed, source = hf_spec(folder, config, kind)
    i = spec.input
    wanted_frames = i.frames if frames is None else int(frames)
    wanted_size = i.size if size is None else ((int(size), int(size)) if isinstance(size, int) else tuple(size))
    if (wanted_frames, tuple(wanted_size)) != (i.frames, i.size):
        raise CheckpointError(folder, f"{kind.model_type} takes exactly {i.frames}x{i.size[0]}x{i.size[1]} clips "
                                      "(its position embeddings are fixed by config.json): --frames/--size cannot change that")
    try:
        import transformers
    except ImportError:
        raise CheckpointError(folder, "reading Hugging Face models needs the transformers package "
                                      "(pip install transformers)") from None
    cls = getattr(transformers, kind.class_name)
    config_obj = cls.config_class.from_dict(config)
    try:
        hf, info = _quietly_load(cls, folder, config_obj, weights.name.endswith((".safetensors", ".safetensors.index.json")))
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(weights, f"cannot be loaded as a {kind.class_name}: {first[:300]}") from None
    missing = list(info.get("missing_keys") or [])
    mismatched = list(info.get("mismatched_keys") or [])
    if missing or mismatched:
        what = (f"{len(missing)} missing tensors ({', '.join(sorted(missing)[:3])} ...)" if missing else
                f"{len(mismatched)} tensors of other shapes ({', '.join(str(m[0]) for m in mismatched[:3])} ...)")
        raise CheckpointError(weights, f"does not fit the {kind.class_name} its config.json describes: {what}")
    warnings: list[str] = []
    unexpected = list(info.get("unexpected_keys") or [])
    if unexpected:
        warnings.append(f"{len(unexpected)} tensors in the weights are not used by {kind.class_name} "
                        f"({', '.join(sorted(unexpected)[:3])} ...)")
    if assumed:
        warnings.append("assumed: " + "; ".join(assumed))
    n = int(hf.config.num_labels)
    if classes and len(classes) != n:
        raise CheckpointError(folder, f"{len(classes)} class names given but the model's head has {n}")
    names = classes or _class_names_from(config, n)
    if not names:
        before = len(warnings)
        names = list(class_names({}, weights, n, warnings))
        if len(warnings) > before:  # no class list beside it either
            warnings[-1] = warnings[-1].replace("no class names in the checkpoint or beside it", "config.json's id2label "
                                                "has only generic LABEL_n names and no class list is beside it", 1)
    grid = tuple(spec.options["token_grid"])
    model = VideoClassifier(hf.eval(), grid, spec.cam_layout).eval()
    t, h, w = grid
    notes = [
        f"Hugging Face {kind.class_name} ({kind.description}), {spec.options['layers']} encoder layers, "
        f"hidden size {spec.options['hidden_size']}; weights {weights.name}",
        f"tokens: {t}x{h}x{w} (time x height x width)"
        + (f" from tubelets of {config.get('tubelet_size', 2)}x{config.get('patch_size', 16)}x{config.get('patch_size', 16)}"
           if kind.model_type == "videomae" else f" from {config.get('patch_size', 16)}x{config.get('patch_size', 16)} "
           "patches of every frame, plus a class token"),
        f"Grad-CAM {spec.cam_layer} by default ({_why_layer(kind)}); --layer hf.{kind.base}.encoder.layer.N for others",
    ]
    if kind.model_type == "videomae":
        notes.append("maps from its attention too: --mode attngrad (gradient-weighted rollout, the class's own) or "
                     "rollout (one map for every class), up to --layer")
    return LoadedModel(model, spec.with_(classes=tuple(names)), folder, file_sha256(weights), warnings, {},
                       source, None, notes)


def _why_layer(kind: HFType) -> str:
    if kind.model_type == "timesformer":
        return "the last layer's patch tokens get no gradient: the head reads only the class token"
    return "the last encoder layer: the head averages its tokens"
