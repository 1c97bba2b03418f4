"""Checks the GPUs torch sees, from inside the container: ``make gpu-check``.

    python -m <package>.gpu_check

Prints the torch version and the CUDA version it was built for, then each
visible GPU's name and memory, and runs a small matrix product on each,
checked against the CPU. Exits 1, saying what to do, when torch sees no GPU
or a product is wrong.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.version

GIB = 1024**3


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    memory: int  # bytes


def visible_gpus() -> list[Gpu]:
    """The CUDA devices this process may use (CUDA_VISIBLE_DEVICES and the container decide)."""
    if not torch.cuda.is_available():
        return []
    found = []
    for index in range(torch.cuda.device_count()):
        properties = torch.cuda.get_device_properties(index)
        found.append(Gpu(index, properties.name, properties.total_memory))
    return found


def matmul_matches(device: torch.device, size: int = 512) -> bool:
    """A product of two random matrices on ``device``, compared with the same product on the CPU."""
    generator = torch.Generator().manual_seed(0)
    a = torch.rand(size, size, generator=generator)
    b = torch.rand(size, size, generator=generator)
    expected = a.double() @ b.double()
    result = (a.to(device) @ b.to(device)).double().cpu()
    return bool(torch.allclose(result, expected, rtol=1e-3, atol=1e-3))


def no_gpu_message(version: str, cuda_build: str | None) -> str:
    """Why torch sees no GPU, and what to do, for this torch build."""
    if cuda_build is None:
        return (
            f"torch {version} is a CPU-only build: this is the CPU image, which has no GPU "
            "support. Use the GPU image (docker/Dockerfile.gpu): make init GPU=1 && "
            "make create-container GPU=1."
        )
    return (
        f"torch {version} is built for CUDA {cuda_build}, but it sees no GPU. On the host, "
        "nvidia-smi must list the GPU and Docker must have the NVIDIA Container Toolkit "
        "(docker info lists the nvidia runtime; make doctor checks it); then recreate the "
        "containers: make create-container."
    )


def report(version: str, cuda_build: str | None, gpus: Sequence[Gpu]) -> list[str]:
    """The lines printed before the products run."""
    lines = [f"torch {version}, built for CUDA {cuda_build or 'none (CPU-only build)'}"]
    lines += [f"GPU {g.index}: {g.name}, {g.memory / GIB:.1f} GiB" for g in gpus]
    return lines


def main() -> int:
    gpus = visible_gpus()
    for line in report(torch.__version__, torch.version.cuda, gpus):
        print(line)
    if not gpus:
        print(no_gpu_message(torch.__version__, torch.version.cuda), file=sys.stderr)
        return 1
    failed = [g for g in gpus if not matmul_matches(torch.device("cuda", g.index))]
    for gpu in gpus:
        print(f"GPU {gpu.index}: matmul {'WRONG' if gpu in failed else 'ok'}")
    if failed:
        print(
            "A matrix product on a GPU differs from the CPU's: check the driver.", file=sys.stderr
        )
        return 1
    print(f"{len(gpus)} GPU(s) ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
