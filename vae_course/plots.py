"""Figures a person would rather look at than read: saved as PNG, and shown inline in Jupyter.

Nothing here chooses matplotlib's backend: a Jupyter kernel keeps its inline backend (so a
student's own ``plt.show()`` works too), and a headless process falls back to Agg by itself.
Each helper saves its figure and, inside a Jupyter kernel, displays the saved PNG, so what the
notebook shows is exactly the file that was written.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from torchvision.utils import make_grid

from vae_course.inline import SavedFigure, save_and_show

MAX_WIDTH_IN = 12.0  # inches: wider figures get scaled down in notebooks and on GitHub anyway


def _save(fig: plt.Figure, path: str | Path) -> SavedFigure:
    """Save and show (see ``vae_course.inline``), then close: pyplot keeps every open figure."""
    saved = save_and_show(fig, path)
    plt.close(fig)
    return saved


def _grid(images: torch.Tensor, nrow: int) -> torch.Tensor:
    """Images (N, C, H, W) tiled with white gaps, as an (H, W, 3) NumPy array for ``imshow``."""
    images = images.detach().float().cpu().clamp(0, 1)
    return make_grid(images, nrow=nrow, padding=2, pad_value=1.0).permute(1, 2, 0).numpy()


def save_image_grid(
    images: torch.Tensor, path: str | Path, nrow: int = 8, title: str | None = None,
    labels: Sequence[str] | None = None,
) -> SavedFigure:
    """A grid of images (N, C, H, W) in [0, 1]; optional per-image labels under a small grid."""
    images = images.detach().float().cpu().clamp(0, 1)
    if labels is not None:
        cols = min(nrow, len(images))
        rows = -(-len(images) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(min(MAX_WIDTH_IN, 1.4 * cols), 1.6 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, image, label in zip(axes.flat, images, labels):
            ax.imshow(image.permute(1, 2, 0).squeeze(-1).numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(label, fontsize=8)
    else:
        grid = _grid(images, nrow)
        width = min(MAX_WIDTH_IN, 1.2 * min(nrow, len(images)))
        fig, ax = plt.subplots(figsize=(width, width * grid.shape[0] / grid.shape[1]))
        ax.imshow(grid)
        ax.axis("off")
        if title:
            ax.set_title(title)
    if title and labels is not None:
        fig.suptitle(title)
    return _save(fig, path)


def save_reconstructions(
    inputs: torch.Tensor, outputs: torch.Tensor, path: str | Path, title: str | None = None,
) -> SavedFigure:
    """Inputs in the top row, their reconstructions below."""
    n = min(len(inputs), 8)
    pairs = torch.cat([inputs[:n].cpu(), outputs[:n].detach().cpu().reshape_as(inputs[:n].cpu())])
    return save_image_grid(pairs, path, nrow=n, title=title or "top: input, bottom: reconstruction")


def save_interpolation_strip(
    frames: torch.Tensor, path: str | Path, title: str | None = None,
    ends: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> SavedFigure:
    """The decoded points of a latent interpolation, left to right.

    With ``ends`` (the two input images), they frame the strip, so that one can see how far
    each end's reconstruction is from its input; every frame is labelled with its weight.
    """
    if ends is None:
        return save_image_grid(frames, path, nrow=len(frames), title=title or "latent interpolation")
    steps = len(frames)
    weights = [f"{i / max(steps - 1, 1):.2f}" for i in range(steps)]
    images = torch.cat([ends[0].unsqueeze(0).cpu(), frames.detach().cpu(), ends[1].unsqueeze(0).cpu()])
    labels = ["input A", *weights, "input B"]
    return save_image_grid(images, path, nrow=len(images), labels=labels,
                           title=title or "decoded (1 − w)·μ_A + w·μ_B, by w")


def save_latent_traversal(
    decoded: torch.Tensor, values: Sequence[float], dims: tuple[int, int], path: str | Path,
    title: str | None = None,
) -> SavedFigure:
    """Images decoded over a grid of two latent coordinates (row-major: rows vary ``dims[0]``).

    ``decoded`` holds ``len(values) ** 2`` images; row ``i``, column ``j`` is the image at
    ``z[dims[0]] = values[i]`` and ``z[dims[1]] = values[j]``, every other coordinate 0.
    """
    n = len(values)
    grid = _grid(decoded, nrow=n)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(grid)
    cell_h, cell_w = grid.shape[0] / n, grid.shape[1] / n
    ax.set_xticks([cell_w * (j + 0.5) for j in range(n)], [f"{v:+.1f}" for v in values])
    ax.set_yticks([cell_h * (i + 0.5) for i in range(n)], [f"{v:+.1f}" for v in values])
    ax.tick_params(length=0)
    ax.set_xlabel(f"z[{dims[1]}]")
    ax.set_ylabel(f"z[{dims[0]}]")
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title or f"decoder output as z[{dims[0]}] and z[{dims[1]}] vary (other coordinates 0)")
    return _save(fig, path)


def save_loss_curves(
    curves: Mapping[str, Sequence[float]], path: str | Path, ylabel: str = "loss (nats/image)",
    title: str | None = None,
) -> SavedFigure:
    """One line per named curve, against the epoch."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)
