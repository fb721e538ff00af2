"""Figures a person would rather look at than read, saved as PNG."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import torch  # noqa: E402
from torchvision.utils import make_grid  # noqa: E402


def _save(fig: plt.Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def save_image_grid(
    images: torch.Tensor, path: str | Path, nrow: int = 8, title: str | None = None,
    labels: Sequence[str] | None = None,
) -> Path:
    """A grid of images (N, C, H, W) in [0, 1]; optional per-image labels under a small grid."""
    images = images.detach().float().cpu().clamp(0, 1)
    if labels is not None:
        cols = min(nrow, len(images))
        rows = -(-len(images) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.6 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, image, label in zip(axes.flat, images, labels):
            ax.imshow(image.permute(1, 2, 0).squeeze(-1), cmap="gray", vmin=0, vmax=1)
            ax.set_title(label, fontsize=8)
    else:
        grid = make_grid(images, nrow=nrow, padding=2, pad_value=1.0)
        fig, ax = plt.subplots(figsize=(min(12, 1.2 * nrow), 1.2 * grid.shape[1] / grid.shape[2] * nrow))
        ax.imshow(grid.permute(1, 2, 0))
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def save_reconstructions(inputs: torch.Tensor, outputs: torch.Tensor, path: str | Path, title: str | None = None) -> Path:
    """Inputs in the top row, their reconstructions below."""
    n = min(len(inputs), 8)
    pairs = torch.cat([inputs[:n].cpu(), outputs[:n].detach().cpu().reshape_as(inputs[:n].cpu())])
    return save_image_grid(pairs, path, nrow=n, title=title or "top: input, bottom: reconstruction")


def save_interpolation_strip(frames: torch.Tensor, path: str | Path, title: str | None = None) -> Path:
    """The decoded points of a latent interpolation, left to right."""
    return save_image_grid(frames, path, nrow=len(frames), title=title or "latent interpolation")


def save_loss_curves(curves: Mapping[str, Sequence[float]], path: str | Path, ylabel: str = "loss (nats/image)") -> Path:
    """One line per named curve, against the epoch."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)
