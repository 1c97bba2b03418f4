"""Where the network runs and how: device, mixed precision, seeds.

Every choice that depends on the hardware is a small function of plain
values, so that the GPU paths are tested on a machine without a GPU.

Written for torch 1.13 and 2.x alike. Needing 2.x, and guarded where used:
``torch.amp.GradScaler`` (2.3; 1.x has ``torch.cuda.amp.GradScaler``),
``torch.compile`` (2.0, see ``maybe_compile``) and loading files with
``weights_only`` (see ``nets.WEIGHTS_ONLY``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.amp
import torch.backends.cudnn
import torch.version

from .errors import ConfigError

log = logging.getLogger(__name__)


def pick(requested: str, cuda: bool, mps: bool, local_rank: int = 0) -> str:
    """The device name for ``runtime.device``, given what this machine has.

    ``auto`` takes CUDA, then Apple's MPS, then the CPU. Under torchrun each
    process takes the GPU of its local rank (``cuda`` means ``cuda:<rank>``).
    """
    name = requested.strip().lower()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda":
        name = f"cuda:{local_rank}"
    kind = name.split(":", 1)[0]
    if kind not in {"cpu", "cuda", "mps"}:
        raise ConfigError(f"runtime.device {requested!r} is not auto, cpu, cuda, cuda:N or mps")
    if kind == "cuda" and not cuda:
        raise ConfigError(
            f"runtime.device {requested!r}: no CUDA GPU is visible to torch "
            f"(torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'}); "
            "use runtime.device: auto or cpu"
        )
    if kind == "mps" and not mps:
        raise ConfigError(f"runtime.device {requested!r}: Apple MPS is not available here")
    return name


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)  # torch 1.12+
    return bool(backend is not None and backend.is_available())


def choose(requested: str, local_rank: int = 0) -> torch.device:
    """The device to run on, from the config and the hardware found."""
    return torch.device(pick(requested, torch.cuda.is_available(), mps_available(), local_rank))


def backend_for(device_type: str) -> str:
    """The process-group backend: NCCL between GPUs, gloo between CPU processes."""
    return "nccl" if device_type == "cuda" else "gloo"


def uses_amp(device_type: str, requested: bool) -> bool:
    """Mixed precision only on CUDA: float16 there is fast and well supported."""
    return requested and device_type == "cuda"


def autocast(device_type: str, enabled: bool) -> contextlib.AbstractContextManager[Any]:
    """float16 autocast on CUDA; a context that does nothing otherwise."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device_type, dtype=torch.float16)


def scaler_class() -> Callable[..., Any]:
    """``torch.amp.GradScaler`` on torch 2.3+, the older ``torch.cuda.amp`` one before."""
    modern = getattr(torch.amp, "GradScaler", None)
    if modern is not None:
        return modern
    from torch.cuda.amp.grad_scaler import GradScaler

    return GradScaler


def grad_scaler(enabled: bool) -> Any:
    """Scales float16 losses so that small gradients do not vanish; disabled, it passes through."""
    return scaler_class()(enabled=enabled)


def seed_everything(seed: int, deterministic: bool) -> None:
    """Seeds Python, NumPy and torch (every GPU too); optionally deterministic kernels only."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        # cuBLAS needs this workspace setting to be deterministic (CUDA 10.2+).
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


def maybe_compile(model: torch.nn.Module, requested: bool) -> torch.nn.Module:
    """``torch.compile(model)`` when asked and available (torch 2.x); the model as is otherwise."""
    compile_fn = getattr(torch, "compile", None)
    if not requested:
        return model
    if compile_fn is None:
        log.warning(
            "runtime.compile needs torch 2.x (this is %s): running uncompiled", torch.__version__
        )
        return model
    return compile_fn(model)
