"""How a model computes on its device: the number format (bf16 autocast or fp32) and the memory layout.

One object instead of an ``autocast_dtype`` and a ``channels_last`` handed down every call:
the trainer decides once per run and wraps the model, so the notebook's own ``train_epoch``
and the evaluation loop run it unchanged.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ComputeFormat:
    """bf16 autocast around the model (never the loss) and/or channels-last inputs; both off is plain fp32."""

    autocast_dtype: torch.dtype | None = None
    channels_last: bool = False

    @classmethod
    def for_device(cls, device: torch.device, convolutional: bool) -> ComputeFormat:
        """bf16 autocast where CUDA supports it, channels-last for convolutions on CUDA; fp32 elsewhere.

        On the CPU both measured slower or changed the numerics (docs/training.md, benchmarks).
        """
        cuda = device.type == "cuda"
        return cls(torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else None, convolutional and cuda)

    @property
    def memory_format(self) -> torch.memory_format:
        """The layout to keep the model's weights in."""
        return torch.channels_last if self.channels_last else torch.preserve_format

    def wrap(self, model: nn.Module) -> nn.Module:
        """``model`` running in this format; ``model`` itself when the format is plain fp32."""
        return FormattedModel(model, self) if self.autocast_dtype or self.channels_last else model


class FormattedModel(nn.Module):
    """A VAE whose forward pass runs in a ``ComputeFormat`` and returns fp32 ``(x_hat, mu, logvar)``.

    Binary cross-entropy is not autocast-safe, and a sum over many pixels needs fp32 anyway,
    so the outputs are cast back before any loss sees them.
    """

    def __init__(self, model: nn.Module, compute: ComputeFormat) -> None:
        super().__init__()
        self.model, self.compute = model, compute

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.compute.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        dtype = self.compute.autocast_dtype
        with torch.autocast(x.device.type, dtype=dtype) if dtype else nullcontext():
            outputs = self.model(x)
        return tuple(t.float() for t in outputs) if dtype else outputs
