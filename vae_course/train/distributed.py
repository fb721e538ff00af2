"""Data-parallel training across processes started by ``torchrun``.

``torchrun`` tells each process its place through environment variables (``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``); a plain ``python -m vae_course train`` has none of them and
runs as a world of one, so the trainer has a single code path. Only rank 0 writes files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    """This process's place among the training processes."""

    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        """Whether this process writes checkpoints, figures and progress bars."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def init_world(device_type: str) -> World:
    """Join the process group ``torchrun`` set up: NCCL between GPUs, Gloo on CPUs."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    world = World(int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0")), size)
    if world.distributed and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return world


def close_world(world: World) -> None:
    """Leave the process group, so that the processes exit cleanly."""
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(world: World) -> None:
    """Wait for every process (a no-op in a world of one)."""
    if world.distributed:
        dist.barrier()


def mean_over_world(value: float, world: World) -> float:
    """The mean of ``value`` over all processes (each evaluated an equal shard of the data)."""
    if not world.distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64)
    if dist.get_backend() == "nccl":
        tensor = tensor.cuda()
    dist.all_reduce(tensor)
    return tensor.item() / world.size
