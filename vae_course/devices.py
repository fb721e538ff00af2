"""Pick the device to train on, so notebooks run unchanged on a laptop, a Mac or a GPU."""
from __future__ import annotations

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
