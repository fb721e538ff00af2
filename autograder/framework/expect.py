"""Assertions with messages a student can act on, shared by the checks."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


def tensor(facts: dict[str, Any], shape: Sequence[int], what: str, dtype: str | None = "float32") -> None:
    """``facts`` (from a probe) describe a tensor of ``shape`` (and ``dtype``)."""
    assert facts["type"] == "Tensor", f"{what} is a {facts['type']}, not a tensor"
    assert facts["shape"] == list(shape), f"{what} has shape {tuple(facts['shape'])}, expected {tuple(shape)}"
    if dtype is not None:
        assert facts["dtype"] == dtype, f"{what} has dtype {facts['dtype']}, expected {dtype}"


def close(actual: torch.Tensor | None, expected: torch.Tensor, what: str, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """``actual`` matches ``expected`` elementwise."""
    assert isinstance(actual, torch.Tensor), f"{what} is not a tensor"
    assert actual.shape == expected.shape, f"{what} has shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    actual, expected = actual.double(), expected.double()
    if not torch.allclose(actual, expected, atol=atol, rtol=rtol):
        worst = (actual - expected).abs().max().item()
        raise AssertionError(f"{what} is off by up to {worst:.3g}")
