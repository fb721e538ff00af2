"""Pick the device to train on, so notebooks run unchanged on a laptop, a Mac or a GPU."""
from __future__ import annotations

import os

import torch


def best_device(preference: str = "auto") -> torch.device:
    """``cuda`` if present, else Apple's ``mps``, else ``cpu``; or the device named."""
    if preference != "auto":
        return torch.device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def loader_options(device: torch.device) -> dict[str, object]:
    """``DataLoader`` settings that keep a GPU fed: worker processes decode the PNGs in parallel
    and pinned memory lets batches copy to the GPU asynchronously. None on a CPU, where the
    workers would compete with training for the same cores."""
    if device.type != "cuda":
        return {}
    return {"num_workers": min(4, os.cpu_count() or 1), "pin_memory": True, "persistent_workers": True}


def describe(device: torch.device) -> str:
    """The device in words, with the GPU's name: what the notebook's setup cell prints."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type
