"""Two results next to what they are easily mistaken for, for a person to explain.

A latent interpolation next to a pixel cross-fade of the same two images, and images
decoded from the prior next to reconstructions of held-out images.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from matplotlib.figure import Figure

from vae_course.comparison import image_rows
from vae_course.inline import save_and_show


def crossfade(img1: torch.Tensor, img2: torch.Tensor, num_steps: int) -> torch.Tensor:
    """``(1 - t) * img1 + t * img2`` for ``num_steps`` evenly spaced t in [0, 1]: (num_steps, C, H, W)."""
    if img1.shape != img2.shape:
        raise ValueError(f"the two images differ in shape: {tuple(img1.shape)} and {tuple(img2.shape)}")
    t = torch.linspace(0, 1, num_steps, dtype=img1.dtype).view(-1, *[1] * img1.dim())
    return (1 - t) * img1.cpu() + t * img2.cpu()


def show_interpolation_vs_crossfade(
    panels: Sequence[tuple[str, torch.Tensor, torch.Tensor]], path: str | Path,
) -> Path:
    """Per (title, latent frames, cross-faded frames): the latent path above, the pixel cross-fade below."""
    if not panels:
        raise ValueError("no panels to draw")
    steps = max(len(latent) for _, latent, _ in panels)
    fig = Figure(figsize=(min(12.0, 1.2 * steps), 2.8 * len(panels)))
    for i, (title, latent, faded) in enumerate(panels):
        if latent.shape[1:] != faded.shape[1:] or len(latent) != len(faded):
            raise ValueError(f"{title}: {tuple(latent.shape)} latent frames but {tuple(faded.shape)} cross-faded ones")
        ax = fig.add_subplot(len(panels), 1, i + 1)
        ax.imshow(image_rows([latent, faded], len(latent)))
        ax.set_title(f"{title}\ntop: decoded (1 - t) mu1 + t mu2, bottom: pixels (1 - t) x1 + t x2, t = 0 ... 1",
                     fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return save_and_show(fig, path)


def show_samples_vs_reconstructions(
    samples: torch.Tensor, inputs: torch.Tensor, reconstructions: torch.Tensor, path: str | Path,
    title: str = "",
) -> Path:
    """Prior samples on the left; held-out inputs over their reconstructions on the right."""
    count = min(len(samples), len(inputs), 8)
    half = (count + 1) // 2
    # each half is about 5.8 inches wide and shows two rows of ``half`` images: as tall as that, no more
    fig = Figure(figsize=(12.0, min(8.0, 5.8 * 2 / half) + (1.0 if title else 0.6)))
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    left.imshow(image_rows([samples[:half], samples[half:count]], half))
    left.set_title(f"decoded from z ~ N(0, I) ({count} samples)", fontsize=10)
    right.imshow(image_rows([inputs[:half], reconstructions[:half].reshape(inputs[:half].shape)], half))
    right.set_title("validation images (top) and their reconstructions (bottom)", fontsize=10)
    for ax in (left, right):
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_and_show(fig, path)
