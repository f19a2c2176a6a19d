"""Where the engine computes: choosing the device, naming it, and moving batches onto it.

Every job (analysis, Grad-CAM, session sweeps, training) comes through here, so the CUDA
details live in one place:

- ``auto`` is the first CUDA device when there is one, else the CPU, and wherever it is shown it
  says which one it picked ("auto (CPU)"), so a user without a GPU knows where the work runs;
- ``cudnn.benchmark`` on CUDA: a model's clip shape is fixed, so the kernels it autotunes on the
  first batch serve every later one;
- batches are staged in a pinned host buffer, reused from batch to batch, and copied with
  ``non_blocking``; on the CPU a batch is a plain tensor over the decoded clips, as it always was;
- autocast (bfloat16 or float16) wraps a forward pass on CUDA when asked for; float32 is the
  default, and the CPU always computes in float32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Literal

import numpy as np
import torch
from torch import nn

from cabinlens.engine.errors import InputError

Precision = Literal["float32", "bfloat16", "float16"]
PRECISIONS: tuple[str, ...] = ("float32", "bfloat16", "float16")
_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}


def choose_device(choice: str = "auto") -> torch.device:
    """``auto`` (the first CUDA device when there is one, else the CPU), ``cpu``, ``cuda`` or ``cuda:N``."""
    choice = (choice or "auto").strip()
    if choice == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(choice)
    except RuntimeError:
        raise InputError(choice, "is not a device (use auto, cpu, cuda or cuda:N)") from None
    if device.type not in ("cpu", "cuda"):
        raise InputError(choice, "is not a device (use auto, cpu, cuda or cuda:N)")
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise InputError(choice, "no CUDA device is available here; use --device cpu (or auto)")
        if (device.index or 0) >= count:
            raise InputError(choice, f"there {'is' if count == 1 else 'are'} only {count} CUDA device(s) here "
                                     f"(cuda:0{f' to cuda:{count - 1}' if count > 1 else ''})")
    return device


def device_label(device: torch.device | str, choice: str | None = None) -> str:
    """``CPU`` or ``cuda:0 (NVIDIA H200)``; with ``choice`` "auto": ``auto (CPU)``, ``auto (cuda:0, NVIDIA H200)``."""
    device = torch.device(device)
    auto = (choice or "").strip() == "auto"
    if device.type != "cuda":
        return "auto (CPU)" if auto else "CPU"
    index = device.index or 0
    name = torch.cuda.get_device_name(index)
    return f"auto (cuda:{index}, {name})" if auto else f"cuda:{index} ({name})"


def available_devices() -> list[tuple[str, str]]:
    """(choice, label) of every device the engine can use here, the CPU first."""
    found = [("cpu", "CPU")]
    if torch.cuda.is_available():
        found += [(f"cuda:{i}", device_label(f"cuda:{i}")) for i in range(torch.cuda.device_count())]
    return found


def place(model: nn.Module, device: torch.device) -> nn.Module:
    """The model on ``device``; on CUDA, cudnn autotunes its kernels for the (fixed) clip shape."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    return model.to(device)


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise InputError(precision, f"is not a precision (use {', '.join(PRECISIONS)})")
    return precision


def effective_precision(device: torch.device | str, precision: str = "float32") -> str:
    """What a forward pass on ``device`` computes in: autocast runs on CUDA only, the CPU stays float32."""
    check_precision(precision)
    return precision if torch.device(device).type == "cuda" else "float32"


def autocast(device: torch.device | str, precision: str = "float32") -> contextlib.AbstractContextManager:
    """Autocast for a forward pass on CUDA in ``precision``; a no-op context for float32 and on the CPU."""
    if effective_precision(device, precision) == "float32":
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=_DTYPES[precision])


class Staging:
    """Decoded clips -> one batch tensor on the device.

    On CUDA the clips are stacked straight into a pinned host buffer (allocated once, grown when a
    batch is larger) and copied with ``non_blocking``, so the copy overlaps with the host's work;
    before the buffer is written again, the previous copy out of it must have finished (an event
    recorded after it). On the CPU the batch is ``np.stack`` of the clips, as before: no pinning.
    """

    def __init__(self, device: torch.device | str) -> None:
        self.device = torch.device(device)
        self._host: torch.Tensor | None = None
        self._copied: torch.cuda.Event | None = None

    def __call__(self, clips: Sequence[np.ndarray]) -> torch.Tensor:
        if self.device.type != "cuda":
            return torch.from_numpy(np.stack(clips))
        n, shape = len(clips), tuple(clips[0].shape)
        dtype = torch.from_numpy(np.empty(0, dtype=clips[0].dtype)).dtype
        if self._copied is not None:
            self._copied.synchronize()  # the last batch has left the buffer
        host = self._host
        if host is None or host.shape[1:] != shape or host.dtype != dtype or host.shape[0] < n:
            host = self._host = torch.empty((n, *shape), dtype=dtype, pin_memory=True)
        part = host[:n]
        np.stack(clips, out=part.numpy())
        batch = part.to(self.device, non_blocking=True)
        self._copied = torch.cuda.Event()
        self._copied.record(torch.cuda.current_stream(self.device))
        return batch

    @property
    def pinned_bytes(self) -> int:
        """Size of the pinned buffer (0 on the CPU, or before the first batch)."""
        return 0 if self._host is None else self._host.numel() * self._host.element_size()
