"""The figures a training run leaves behind: what it saw, what it learned, how it went."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset

from vae_course import plots
from vae_course.data.splits import Splits
from vae_course.training import batch_images

TRAVERSAL_VALUES = tuple(v / 2 for v in range(-5, 6))  # -2.5 .. 2.5: most of N(0, 1)'s mass


def _first_images(data: Dataset, count: int) -> torch.Tensor:
    """The first ``count`` images of ``data`` as one batch, whatever its items' labels."""
    return torch.stack([batch_images(data[i]) for i in range(min(count, len(data)))])


def most_used_latents(model: nn.Module, images: torch.Tensor) -> tuple[int, int]:
    """The two latent coordinates with the largest mean KL: the ones the decoder listens to."""
    with torch.no_grad():
        mu, logvar = model.encode(images)
    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0)
    first, second = kl.topk(2).indices.tolist()
    return first, second


def latent_traversal(model: nn.Module, dims: tuple[int, int], values: tuple[float, ...]) -> torch.Tensor:
    """Decoded images over a grid of two latent coordinates, every other coordinate 0 (row-major)."""
    device = next(model.parameters()).device
    rows, cols = torch.meshgrid(torch.tensor(values), torch.tensor(values), indexing="ij")
    z = torch.zeros(len(values) ** 2, model.latent_dim, device=device)
    z[:, dims[0]] = rows.flatten().to(device)
    z[:, dims[1]] = cols.flatten().to(device)
    with torch.no_grad():
        return model.decode(z)


def write_figures(
    model: nn.Module, definitions: dict[str, object], splits: Splits, history: dict[str, list[float]], out: Path,
    seed: int,
) -> list[Path]:
    """Training images, reconstructions, samples, an interpolation, loss curves (and, for
    MNIST, a 2-D latent traversal) as PNGs under ``out``; ``seed`` fixes which samples."""
    device = next(model.parameters()).device
    name = splits.title
    model.eval()
    torch.manual_seed(seed)
    test = _first_images(splits.test, 256).to(device)
    with torch.no_grad():
        reconstructed, _, _ = model(test[:8])
    paths = [
        plots.save_image_grid(_first_images(splits.train, 32), out / "training_images.png", nrow=8,
                              title=f"{name}: training images"),
        plots.save_reconstructions(test[:8], reconstructed, out / "reconstructions.png",
                                   title=f"{name} test images (top) and their reconstructions (bottom)"),
        plots.save_image_grid(definitions["sample_images"](model, 32), out / "samples.png", nrow=8,
                              title="decoded from random latents z ~ N(0, I)"),
        plots.save_interpolation_strip(definitions["interpolate"](model, test[0], test[1], 8),
                                       out / "interpolation.png", ends=(test[0], test[1])),
        plots.save_loss_curves({"train": history["train"], "test": history["test"]}, out / "loss_curves.png",
                               title=f"{type(model).__name__} on {name}"),
    ]
    if splits.dataset == "mnist":
        dims = most_used_latents(model, test)
        paths.append(plots.save_latent_traversal(latent_traversal(model, dims, TRAVERSAL_VALUES), TRAVERSAL_VALUES,
                                                 dims, out / "latent_traversal.png"))
    return paths
