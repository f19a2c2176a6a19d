"""Video classification models: architectures, specs, registry, safe checkpoint loading."""

from cabinlens.engine.models.checkpoints import CheckpointError, LoadedModel, load_model, save_model
from cabinlens.engine.models.registry import ARCHITECTURES, build_model, default_spec
from cabinlens.engine.models.spec import InputSpec, ModelSpec

__all__ = [
    "ARCHITECTURES", "CheckpointError", "InputSpec", "LoadedModel", "ModelSpec",
    "build_model", "default_spec", "load_model", "save_model",
]
