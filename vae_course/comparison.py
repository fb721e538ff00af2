"""The fully connected and the convolutional VAE compared as an experiment.

One model on two datasets and two models on one dataset, each measured the same way:
the reconstruction term and the KL term per image separately, and the training loss (BCE + KL)
per dimension, in bits. That figure is a loss, not a likelihood: on targets strictly between
0 and 1 the BCE is not the negative log-density of any normalised distribution (the continuous
Bernoulli's normaliser is missing, Loaiza-Ganem & Cunningham 2019), so BCE + KL bounds no
likelihood and is not comparable with published bits per dimension, which are negative
log-likelihoods of 8-bit discretised data. Per value, BCE(p, x) = H(x) + KL(Bern(x) || Bern(p))
>= H(x), the binary entropy of x: the sum of H(x) over an image is its *floor*, a property of the
Bernoulli loss on non-binary targets rather than of the images; only the reconstruction above the
floor is the model's to reduce, so that is what can be compared across datasets.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn
from torchvision.utils import make_grid

from vae_course.inline import save_and_show
from vae_course.training import LossFn, batch_images

LN2 = math.log(2)


def parameter_count(model: nn.Module) -> int:
    """The number of trainable values in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def bce_floor(x: torch.Tensor) -> torch.Tensor:
    """The smallest summed BCE any reconstruction of each image can get, in nats: (B,).

    Reached by reconstructing x exactly; it is 0 only for binary images.
    """
    x = x.double().clamp(0, 1)
    return (torch.special.entr(x) + torch.special.entr(1 - x)).flatten(1).sum(1)


def loss_terms(vae_loss: LossFn, recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor,
               logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The reconstruction and KL terms of the notebook's own ``vae_loss``, summed, told apart.

    This package holds no loss of its own: the KL to N(0, I) vanishes at mu = 0, logvar = 0, so
    ``vae_loss`` there is the reconstruction term alone, and the rest of ``vae_loss`` is the KL.
    """
    reconstruction = vae_loss(recon_x, x, torch.zeros_like(mu), torch.zeros_like(logvar))
    return reconstruction, vae_loss(recon_x, x, mu, logvar) - reconstruction


def dataset_label(title: str, root: str | Path) -> str:
    """``title``, or ``title`` marked as a stand-in when ``root`` is an offline stand-in's folder."""
    return f"{title} stand-in" if "standin" in Path(root).parts else title


@dataclass(frozen=True)
class Measures:
    """One trained model on one test set; every loss in nats per image, averaged over images."""

    model: str
    data: str
    parameters: int
    dimensions: int  # values per image: 784 for MNIST, 3,072 for CIFAR-10
    reconstruction: float  # summed BCE
    kl: float  # summed KL(q(z|x) || p(z))
    floor: float  # summed binary entropy of the targets

    @property
    def negative_elbo(self) -> float:
        """BCE + KL, the training loss per image (a bound on -log p(x) only for binary targets)."""
        return self.reconstruction + self.kl

    def _bits_per_dim(self, nats: float) -> float:
        return nats / (self.dimensions * LN2)

    @property
    def loss_bits_per_dim(self) -> float:
        """BCE + KL per dimension, in bits, floor included: a loss, not a likelihood (see the module)."""
        return self._bits_per_dim(self.negative_elbo)

    @property
    def floor_bits_per_dim(self) -> float:
        return self._bits_per_dim(self.floor)

    @property
    def above_floor_bits_per_dim(self) -> float:
        """What the model adds to the floor: reconstruction above the floor plus KL, in bits per dimension."""
        return self._bits_per_dim(self.negative_elbo - self.floor)


@torch.no_grad()
def measure(model: nn.Module, loader: Iterable, device: torch.device | str, model_name: str, data_name: str,
            vae_loss: LossFn, max_batches: int | None = None) -> Measures:
    """Average each term of the notebook's ``vae_loss`` over ``loader`` (at most ``max_batches`` batches),
    one z sample per image."""
    model.eval()
    reconstruction = kl = floor = 0.0
    count, dimensions = 0, 0
    for batch in islice(loader, max_batches):
        x = batch_images(batch).to(device)
        x_hat, mu, logvar = model(x)
        terms = loss_terms(vae_loss, x_hat.float(), x, mu.float(), logvar.float())
        reconstruction += terms[0].item()
        kl += terms[1].item()
        floor += bce_floor(x).sum().item()
        count += len(x)
        dimensions = x[0].numel()
    if count == 0:
        raise ValueError(f"no images to measure {model_name} on {data_name}: the loader is empty")
    return Measures(model_name, data_name, parameter_count(model), dimensions,
                    reconstruction / count, kl / count, floor / count)


TABLE_COLUMNS = ("model", "data", "parameters", "recon nats/img", "KL nats/img", "floor nats/img",
                 "loss bits/dim", "floor bits/dim", "above floor bits/dim")
TABLE_NOTE = ("bits/dim: BCE + KL per dimension, in bits (nats / (values per image x ln 2)): a loss, not a likelihood,"
              "\nnot comparable with published bits/dim (negative log-likelihoods of 8-bit discretised images)")


def comparison_table(rows: Sequence[Measures]) -> str:
    """A plain-text table, one line per model, in the order of ``TABLE_COLUMNS``, and what its unit means."""
    cells = [TABLE_COLUMNS] + [
        (m.model, m.data, f"{m.parameters:,}", f"{m.reconstruction:.1f}", f"{m.kl:.1f}", f"{m.floor:.1f}",
         f"{m.loss_bits_per_dim:.3f}", f"{m.floor_bits_per_dim:.3f}", f"{m.above_floor_bits_per_dim:.3f}")
        for m in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(TABLE_COLUMNS))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join([*lines, TABLE_NOTE])


def image_rows(rows: Sequence[torch.Tensor], nrow: int) -> np.ndarray:
    """Rows of images (each (N, C, H, W) in [0, 1]) tiled into one (H, W, 3) array for ``imshow``."""
    images = torch.cat([r[:nrow].detach().float().cpu().clamp(0, 1) for r in rows])
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    return make_grid(images, nrow=nrow, padding=2, pad_value=1.0).permute(1, 2, 0).numpy()


@torch.no_grad()
def reconstruct(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The decoder's mean E[x | z] at the posterior mean z = mu(x): the reconstruction without sampling noise.

    Neither z nor x is sampled: the images are pixel probabilities, not draws from p(x | z).
    """
    model.eval()
    device = next(model.parameters()).device
    mu, _ = model.encode(x.to(device))
    return model.decode(mu).cpu()


def show_reconstructions(panels: Sequence[tuple[str, torch.Tensor, torch.Tensor]], path: str | Path,
                         count: int = 8) -> Path:
    """One panel per (title, inputs, reconstructions): inputs above, reconstructions below."""
    if not panels:
        raise ValueError("no panels to draw")
    fig = Figure(figsize=(min(12.0, 1.3 * count), 2.9 * len(panels)))
    for i, (title, inputs, outputs) in enumerate(panels):
        ax = fig.add_subplot(len(panels), 1, i + 1)
        ax.imshow(image_rows([inputs, outputs.reshape(inputs.shape)], count))
        ax.set_title(f"{title}\ntop: test inputs, bottom: reconstructions (decoder mean at the posterior mean)",
                     fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return save_and_show(fig, path)
