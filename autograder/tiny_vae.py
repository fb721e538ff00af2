"""A small, known VAE that the grader lends to ``interpolate`` and ``sample_images``.

Those functions are graded with this model rather than the student's own ``ConvVAE``, so a
mistake in one part never costs points in another. It records how it was called (train or
eval mode, gradients on or off, the latent vectors it decoded), which the checks inspect.
"""
from __future__ import annotations

import math

import torch
from torch import nn


class TinyVAE(nn.Module):
    """Linear encoder and decoder with a sigmoid output; deterministic for a seed."""

    def __init__(self, latent_dim: int = 4, image_shape: tuple[int, int, int] = (3, 8, 8), seed: int = 0) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        generator = torch.Generator().manual_seed(seed)
        pixels = math.prod(image_shape)
        self.fc_mu = nn.Linear(pixels, latent_dim)
        self.fc_logvar = nn.Linear(pixels, latent_dim)
        self.fc_out = nn.Linear(latent_dim, pixels)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
        self.calls: list[dict[str, object]] = []

    def _record(self, method: str, value: torch.Tensor) -> None:
        self.calls.append({"method": method, "training": self.training,
                           "grad_enabled": torch.is_grad_enabled(), "input": value.detach().clone()})

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self._record("encode", x)
        flat = x.flatten(1)
        return self.fc_mu(flat), self.fc_logvar(flat)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._record("decode", z)
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"decode expects z of shape (B, {self.latent_dim}), got {tuple(z.shape)}")
        return torch.sigmoid(self.fc_out(z)).view(len(z), *self.image_shape)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(decode(mu), mu, logvar)``: the parts graded with this model need only the posterior mean."""
        mu, logvar = self.encode(x)
        return self.decode(mu), mu, logvar
