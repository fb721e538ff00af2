"""A small, known VAE that the grader lends to ``interpolate``, ``sample_images`` and ``train_epoch``, and its inverse.

Those functions are graded with this model rather than the student's own ``ConvVAE``, so a
mistake in one part never costs points in another. Every verdict is read off what the student's
function returned (images, or the weights and losses an epoch left), never off what the model
saw. The grader builds the same model from the same seed in its own process, and its decoder,
``sigmoid(W z + b)`` with more pixels than latent dimensions, can be inverted there
(``invert_decoder``): an image it returned gives back the ``z`` that was decoded, and anything
else leaves a residual. A model built with ``tells_mode=True`` decodes differently in training
mode and with gradients on (a known shift before the sigmoid), so the returned images themselves
show how the model was called. The loop harness lends it to ``train_epoch`` with ``samples=True``
(its latent depends on the mode, as a real VAE's does) and a ``reads`` that sees every batch
first (``sandbox/loop_harness.py``).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

# How far an image's pixels may lie from the decoder's output for the recovered z and still count
# as decoded by it: float32 rounding costs about 1e-7; blending two decodings or a mode's shift
# costs far more than 1e-3.
RESIDUAL_TOLERANCE = 1e-4


class TinyVAE(nn.Module):
    """Linear encoder and decoder with a sigmoid output; deterministic for a seed.

    ``samples``: in training mode the forward pass decodes ``z = mu + exp(logvar / 2) * eps`` with a
    fixed ``eps`` drawn from the seed (a stand-in for sampling that the grader can replay), in eval
    mode ``z = mu``; otherwise always ``z = mu``. ``reads(model, x)``, when given, is what the
    forward pass reads instead of ``x``.
    """

    def __init__(self, latent_dim: int = 4, image_shape: tuple[int, int, int] = (3, 8, 8), seed: int = 0,
                 tells_mode: bool = False, samples: bool = False,
                 reads: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        self.tells_mode = tells_mode
        self.samples = samples
        self.reads = reads
        generator = torch.Generator().manual_seed(seed)
        pixels = math.prod(image_shape)
        self.fc_mu = nn.Linear(pixels, latent_dim)
        self.fc_logvar = nn.Linear(pixels, latent_dim)
        self.fc_out = nn.Linear(latent_dim, pixels)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
            for layer in (self.fc_mu, self.fc_logvar):  # posterior means of order 1: decodings far from saturation
                layer.weight.div_(math.sqrt(pixels))
        # Before the sigmoid: added in training mode, and with gradients on, when the model tells its mode.
        self.register_buffer("train_shift", torch.randn(pixels, generator=generator), persistent=False)
        self.register_buffer("grad_shift", torch.randn(pixels, generator=generator), persistent=False)
        self.register_buffer("eps", torch.randn(latent_dim, generator=generator), persistent=False)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = x.flatten(1)
        return self.fc_mu(flat), self.fc_logvar(flat)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"decode expects z of shape (B, {self.latent_dim}), got {tuple(z.shape)}")
        logits = self.fc_out(z)
        if self.tells_mode and self.training:
            logits = logits + self.train_shift
        if self.tells_mode and torch.is_grad_enabled():
            logits = logits + self.grad_shift
        return torch.sigmoid(logits).view(len(z), *self.image_shape)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(decode(z), mu, logvar)``: z is mu, or the fixed sample in training mode when the model ``samples``."""
        mu, logvar = self.encode(x if self.reads is None else self.reads(self, x))
        z = mu + torch.exp(0.5 * logvar) * self.eps if self.samples and self.training else mu
        return self.decode(z), mu, logvar


@dataclass(frozen=True)
class Inversion:
    """What ``invert_decoder`` read off a batch of images."""

    z: torch.Tensor  # (B, latent_dim): the least-squares latent vector of each image
    residual: torch.Tensor  # (B,): the largest distance of a pixel from what the decoder gives for z
    trained: torch.Tensor  # (B,) bool: the image holds the training-mode shift (a model that tells its mode)
    tracked: torch.Tensor  # (B,) bool: the image holds the gradients-on shift

    def decoded(self) -> torch.Tensor:
        """Which images are exactly what the decoder gives for some z (in the mode ``trained``/``tracked`` say)."""
        return self.residual <= RESIDUAL_TOLERANCE


def invert_decoder(model: TinyVAE, images: torch.Tensor) -> Inversion:
    """Recover z from images ``sigmoid(W z + b [+ shifts])`` by least squares on their logits, in float64.

    Each logit is weighted by the sigmoid's slope there, so saturated pixels (whose logits float32
    cannot tell apart) count little; with more pixels than latent dimensions the solution is unique.
    The residual is measured on the pixels: an image the decoder did not return (another z's
    decoding blended in, pixels changed) leaves one. For a model that tells its mode, each image is
    explained by the mode (eval or training, gradients off or on) whose shift leaves the smallest residual.
    """
    if images.dim() < 2 or tuple(images.shape[1:]) != tuple(model.image_shape):
        expected = ", ".join(map(str, model.image_shape))
        raise ValueError(f"images of shape {tuple(images.shape)}, expected (B, {expected})")
    weight = model.fc_out.weight.detach().double()
    bias = model.fc_out.bias.detach().double()
    pixels = images.detach().double().flatten(1)
    finite = torch.isfinite(pixels).all(1)
    pixels = torch.nan_to_num(pixels, nan=0.5, posinf=1.0, neginf=0.0)
    p = pixels.clamp(1e-12, 1 - 1e-12)
    slope = (p * (1 - p))[:, :, None]  # (B, pixels, 1)
    logits = torch.log(p) - torch.log1p(-p) - bias  # (B, pixels)
    modes = [(False, False), (True, False), (False, True), (True, True)] if model.tells_mode else [(False, False)]
    fits = []
    for trained, tracked in modes:
        shift = trained * model.train_shift.double() + tracked * model.grad_shift.double()
        target = (logits - shift)[:, :, None]
        z = torch.linalg.lstsq(slope * weight, slope * target).solution[:, :, 0]  # (B, latent_dim)
        decoded = torch.sigmoid(z @ weight.T + bias + shift)
        fits.append((z, (decoded - pixels).abs().amax(1)))
    residuals = torch.stack([residual for _, residual in fits])  # (modes, B)
    best = residuals.argmin(0)
    z = torch.stack([fit[0] for fit in fits])[best, torch.arange(len(best))]
    mode = torch.tensor(modes, dtype=torch.bool)[best].reshape(-1, 2)
    residual = torch.where(finite, residuals.gather(0, best[None])[0], torch.inf)
    return Inversion(z, residual, mode[:, 0], mode[:, 1])
