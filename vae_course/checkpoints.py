"""Save a training run so that it can stop at any epoch and carry on where it stopped."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(
    path: Path, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
    history: dict[str, list[float]], config: dict[str, Any],
) -> Path:
    """Write model, optimizer, finished epoch, loss history and run settings.

    Written to a temporary file first and renamed, so a run killed mid-write leaves the
    previous checkpoint intact.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "history": history,
        "config": config,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)
    return path


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A saved run: ``model``, ``optimizer``, ``epoch``, ``history`` and ``config``."""
    return torch.load(path, map_location="cpu", weights_only=True)


def restore(state: dict[str, Any], model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    """Put a saved run's weights and optimizer state back, in place."""
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
