"""Read a checkpoint file safely, or say in one line what the file is instead.

A checkpoint is untrusted input: it is read with ``torch.load(weights_only=True)`` only, so a file
that would run code when unpickled is refused before anything in it runs. Before loading, the
first bytes say what the file is (a torch zip archive, torch's legacy format, a plain pickle, text,
another known format, or noise), so a failure names that, never a traceback of torch's unpickler.
Then the weights are found in the usual wrappers (``state_dict``, ``model_state_dict``,
``student_model_state_dict``, ``model`` ...), with ``module.`` (DataParallel/DDP), ``model.`` and
``_orig_mod.`` (torch.compile) prefixes removed.
"""

from __future__ import annotations

import pickle
import re
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from cabinlens.engine.errors import InputError

FORMAT = "cabinlens-checkpoint"
WRAPPERS = ("state_dict", "model_state_dict", "student_model_state_dict", "model", "net", "network")
PREFIXES = ("module.", "model.", "_orig_mod.")
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".tar", ".pkl")

_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
_NOT = "not a PyTorch checkpoint"


class CheckpointError(InputError):
    """A file that is not a checkpoint, cannot be read, is refused, or does not fit its architecture."""


@dataclass
class Checkpoint:
    """A file's weights (unwrapped, prefixes removed) and everything else it holds (metadata)."""

    path: Path
    state: dict[str, torch.Tensor]
    meta: dict = field(default_factory=dict)
    wrapper: str | None = None  # the entry the weights came from, None for a bare state dict
    prefix: str = ""  # the prefix removed from every key

    @property
    def own_format(self) -> bool:
        """Written by CabinLens (``save_model``): weights, model spec and training record."""
        return self.meta.get("format") == FORMAT


# ----------------------------------------------------------------------------- what a file is
def _text_head(head: bytes) -> str | None:
    """The start of the file as text when it is text (no NUL, UTF-8 or nearly all printable), else None."""
    if b"\0" in head:
        return None
    for cut in range(4):  # the head may end inside a multi-byte character
        try:
            return head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    return head.decode("latin-1") if printable >= 0.95 * len(head) else None


def _text_kind(text: str) -> str:
    stripped = text.lstrip()
    first = stripped.splitlines()[0][:60] if stripped else ""
    if stripped.startswith("version https://git-lfs.github.com/spec/"):
        return "a text file, not a PyTorch checkpoint: a Git LFS pointer (fetch the file itself: git lfs pull)"
    if stripped[:15].lower().startswith(("<!doctype html", "<html")):
        return "a text file, not a PyTorch checkpoint: an HTML page (a failed download?)"
    return f"a text file, not a PyTorch checkpoint (it starts with {first!r})" if first else \
        "a text file, not a PyTorch checkpoint (only white space)"


def _zip_first_name(head: bytes) -> str:
    """The name of the first member of a zip archive, from its local header (readable when the file is cut)."""
    if len(head) < 30:
        return ""
    length = struct.unpack("<H", head[26:28])[0]
    return head[30 : 30 + length].decode("utf-8", "replace")


def sniff(path: Path, head: bytes) -> str:
    """What the first bytes say the file is: 'zip', 'torch-legacy', 'pickle', or the words of what it is instead."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_TORCH_LEGACY_MAGIC):
        return "torch-legacy"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return f"an HDF5 file (Keras or TensorFlow weights?), {_NOT}"
    if head.startswith(b"\x93NUMPY"):
        return f"a NumPy array file (.npy), {_NOT}"
    if head.startswith(b"\x1f\x8b"):
        return f"a gzip-compressed file, {_NOT} (decompress it first)"
    if len(head) >= 10 and head[8:10] == b'{"' and struct.unpack("<Q", head[:8])[0] < path.stat().st_size:
        return f"a safetensors file, {_NOT} (convert it: torch.save(safetensors.torch.load_file(path), 'model.pt'))"
    text = _text_head(head)
    if text is not None:
        return _text_kind(text)
    return f"binary data of no known format (random bytes or another format), {_NOT}"


def _directory_problem(path: Path) -> str:
    inside = sorted(p.name for p in path.iterdir() if p.suffix.lower() in CHECKPOINT_SUFFIXES)[:4]
    hint = f" (it holds {', '.join(inside)}: give one of them)" if inside else ""
    return f"a directory, not a checkpoint file{hint}"


def _load_failure(path: Path, kind: str, exc: BaseException) -> str:
    """The words for a torch.load failure, from what the file was sniffed to be and torch's message."""
    message = str(exc)
    if kind == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            first = _zip_first_name(path.open("rb").read(512))
            if "data.pkl" in first or first.endswith("/version") or "central directory" in message:
                return "a truncated PyTorch checkpoint (the zip archive's index at its end is missing: " \
                       "the file was cut short, e.g. by an interrupted copy or download)"
            return "a damaged zip archive, not a readable PyTorch checkpoint"
        if any(n.endswith("constants.pkl") or "/code/" in n for n in names):
            return "a TorchScript archive (torch.jit.save), not a state dict: load it with torch.jit.load in " \
                   "code you trust and save model.state_dict()"
        if not any(n.endswith("data.pkl") for n in names):
            shown = ", ".join(names[:3])
            return f"a zip archive that is {_NOT} (it holds {shown}{' ...' if len(names) > 3 else ''})"
        return f"a damaged PyTorch checkpoint (a part of the zip archive cannot be read: {message.splitlines()[0][:160]})"
    if kind == "torch-legacy":
        if isinstance(exc, EOFError) or "EOF" in message or "truncated" in message:
            return "a truncated PyTorch checkpoint (legacy format; the file ends early)"
        return f"a damaged PyTorch checkpoint (legacy format): {message.splitlines()[0][:160]}"
    if kind == "pickle":
        return f"a plain Python pickle (pickle.dump), {_NOT}: CabinLens reads only torch.save files, with weights_only"
    return f"{_NOT} ({type(exc).__name__}: {message.splitlines()[0][:160] if message else 'unreadable'})"


def _refusal(exc: pickle.UnpicklingError) -> str | None:
    """The refusal of a pickle that would import or run code, naming the culprit; None if it is no such refusal."""
    message = str(exc)
    culprit = re.search(r"GLOBAL ([\w.]+)", message)
    if culprit is None:
        return None
    return (f"refused: loading it would run code or build objects that are not plain weights (it imports "
            f"{culprit.group(1)}). Re-save it as a state_dict (torch.save(model.state_dict(), ...)) from code you trust")


def read_checkpoint(path: str | Path) -> object:
    """``torch.load(weights_only=True)`` of a file, every failure a ``CheckpointError`` that says what the file is."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(path, "file not found")
    if path.is_dir():
        raise CheckpointError(path, _directory_problem(path))
    if not path.is_file():
        raise CheckpointError(path, "is not a regular file, not a checkpoint")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise CheckpointError(path, f"cannot be read: {exc.strerror or exc}") from None
    if size == 0:
        raise CheckpointError(path, f"an empty file (0 bytes), {_NOT}")
    kind = sniff(path, head)
    if kind not in ("zip", "torch-legacy", "pickle"):
        raise CheckpointError(path, kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's own advice about weights_only: the message below says it
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        refused = _refusal(exc)
        raise CheckpointError(path, refused or _load_failure(path, kind, exc)) from None
    except MemoryError:
        raise CheckpointError(path, "cannot be read: not enough memory to load it") from None
    except Exception as exc:  # the unpickler of untrusted bytes can raise anything (IndexError, KeyError ...)
        raise CheckpointError(path, _load_failure(path, kind, exc)) from None


# ----------------------------------------------------------------------------- finding the weights
def _tensor_dict(obj: object) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values())


def _not_a_state_dict(obj: object) -> str:
    if isinstance(obj, torch.Tensor):
        return f"a torch.save file of a single tensor {tuple(obj.shape)}, not a state dict of a model"
    if isinstance(obj, dict):
        if not obj:
            return "a torch.save file of an empty dict, not a state dict"
        keys = [str(k) for k in obj][:6]
        if {"state", "param_groups"} <= set(obj):
            return "an optimizer's state (state, param_groups), not the weights of a model"
        return f"a torch.save file of a dict without weights (keys: {', '.join(keys)}{' ...' if len(obj) > 6 else ''}), " \
               "not a state dict"
    return f"a torch.save file of a {type(obj).__name__}, not a state dict (a dict of parameter names to tensors)"


def _strip(tensors: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], str]:
    removed = ""
    changed = True
    while changed and tensors:
        changed = False
        for prefix in PREFIXES:
            if all(isinstance(k, str) and k.startswith(prefix) for k in tensors):
                tensors = {k[len(prefix):]: v for k, v in tensors.items()}
                removed += prefix
                changed = True
    return tensors, removed


def unwrap(obj: object, path: Path | str = "<memory>") -> tuple[dict[str, torch.Tensor], dict]:
    """(state_dict, metadata) from a raw or wrapped checkpoint; prefixes stripped."""
    found = find_weights(obj, Path(path))
    return found.state, found.meta


def find_weights(obj: object, path: Path) -> Checkpoint:
    """The weights of a loaded checkpoint object (raw, CabinLens's format, or a usual wrapper) and its metadata."""
    meta: dict = {}
    wrapper = None
    if isinstance(obj, dict) and obj.get("format") == FORMAT and isinstance(obj.get("state_dict"), dict):
        meta = {k: v for k, v in obj.items() if k != "state_dict"}
        obj, wrapper = obj["state_dict"], "state_dict"
    elif isinstance(obj, dict):
        inner = next((k for k in WRAPPERS if _tensor_dict(obj.get(k))), None)
        if inner is None and not any(isinstance(v, torch.Tensor) for v in obj.values()):
            # another name: the entry that is a dict of tensors (the largest if several) ...
            entries = sorted((k for k, v in obj.items() if _tensor_dict(v)), key=lambda k: -len(obj[k]))
            inner = entries[0] if entries else None
        if inner is not None:
            meta = {k: v for k, v in obj.items() if k != inner}
            obj, wrapper = obj[inner], str(inner)
        elif not any(isinstance(v, torch.Tensor) for v in obj.values()):
            for key, value in obj.items():  # ... or one level deeper: {'model': {'state_dict': ...}}
                deeper = next((k for k in WRAPPERS if _tensor_dict(value.get(k))), None) if isinstance(value, dict) else None
                if deeper is not None:
                    meta = {k: v for k, v in obj.items() if k != key}
                    obj, wrapper = value[deeper], f"{key}.{deeper}"
                    break
    if not isinstance(obj, dict) or not obj:
        raise CheckpointError(path, _not_a_state_dict(obj))
    tensors = {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError(path, _not_a_state_dict(obj))
    tensors, prefix = _strip(tensors)
    return Checkpoint(path, tensors, meta, wrapper, prefix)


def open_checkpoint(path: str | Path) -> Checkpoint:
    """Read a file and find its weights: a ``Checkpoint``, or a ``CheckpointError`` saying what the file is."""
    path = Path(path)
    return find_weights(read_checkpoint(path), path)
