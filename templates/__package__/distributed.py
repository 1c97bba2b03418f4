"""One training script for one process or many: DistributedDataParallel under torchrun.

    python -m <package>.train CONFIG                                      # one process
    torchrun --standalone --nproc_per_node=4 -m <package>.train CONFIG    # four, one per GPU

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; without them this is a single
process and nothing here does anything. With them, each process joins the
group (NCCL between GPUs, gloo on CPUs), reads its own share of the data
through a DistributedSampler, and only rank 0 logs, checkpoints and tracks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import Dataset, DistributedSampler

from . import devices
from .errors import ConfigError


@dataclass(frozen=True)
class Session:
    """This process's place in the group and the device it runs on."""

    rank: int
    local_rank: int
    world_size: int
    device: torch.device

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that logs, writes files and talks to MLflow."""
        return self.rank == 0


def placement(environ: Mapping[str, str]) -> tuple[int, int, int]:
    """(rank, local rank, world size) from torchrun's variables; (0, 0, 1) without them."""
    try:
        rank = int(environ.get("RANK", "0"))
        local_rank = int(environ.get("LOCAL_RANK", "0"))
        world_size = int(environ.get("WORLD_SIZE", "1"))
    except ValueError as error:
        raise ConfigError(f"RANK, LOCAL_RANK and WORLD_SIZE must be integers: {error}") from None
    if world_size < 1 or not 0 <= rank < world_size:
        raise ConfigError(f"RANK {rank} does not fit WORLD_SIZE {world_size}")
    return rank, local_rank, world_size


@contextmanager
def session(requested_device: str) -> Iterator[Session]:
    """Joins the process group when started by torchrun, and always leaves it on the way out."""
    rank, local_rank, world_size = placement(os.environ)
    device = devices.choose(requested_device, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world_size > 1:
        dist.init_process_group(backend=devices.backend_for(device.type))
    try:
        yield Session(rank, local_rank, world_size, device)
    finally:
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()


def wrap(model: torch.nn.Module, current: Session) -> torch.nn.Module:
    """The model as the training loop drives it: DDP averages the gradients across processes."""
    if not current.distributed:
        return model
    if current.device.type == "cuda":
        return DistributedDataParallel(model, device_ids=[current.device.index])
    return DistributedDataParallel(model)


def sampler(dataset: Dataset, current: Session, seed: int) -> DistributedSampler | None:
    """Each process's share of the rows, reshuffled every epoch through ``set_epoch``."""
    if not current.distributed:
        return None
    return DistributedSampler(
        dataset, num_replicas=current.world_size, rank=current.rank, shuffle=True, seed=seed
    )


def mean(value: float, current: Session) -> float:
    """The mean of ``value`` over all processes: every rank gets the same number back."""
    if not current.distributed:
        return value
    total = torch.tensor([value], dtype=torch.float64, device=current.device)
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return float(total.item()) / current.world_size
