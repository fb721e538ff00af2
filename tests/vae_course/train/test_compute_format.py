"""Does the compute format run a model in bf16 and channels-last while every loss sees fp32?"""
from __future__ import annotations

import torch
from torch import nn

from vae_course.train.compute_format import ComputeFormat


class _Conv(nn.Module):
    """A VAE-shaped stand-in: (x_hat, mu, logvar) from one convolution, recording its input's layout."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.saw_channels_last = False

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        self.saw_channels_last = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
        y = self.conv(x)
        return torch.sigmoid(y), y.flatten(1), y.flatten(1)


def test_plain_fp32_leaves_the_model_as_it_is():
    model = _Conv()
    assert ComputeFormat().wrap(model) is model
    assert ComputeFormat.for_device(torch.device("cpu"), convolutional=True) == ComputeFormat()


def test_autocast_and_channels_last_reach_the_model_and_outputs_come_back_in_fp32():
    model = _Conv()
    outputs = ComputeFormat(torch.bfloat16, channels_last=True).wrap(model)(torch.rand(2, 3, 4, 4))
    assert model.saw_channels_last
    assert all(t.dtype == torch.float32 for t in outputs)
    assert outputs[0].requires_grad  # the cast back keeps the graph for backward
