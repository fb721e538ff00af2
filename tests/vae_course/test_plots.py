"""Do the figure helpers write readable PNGs of the right shape?"""
from __future__ import annotations

import pytest
import torch
from PIL import Image
from torch import nn

from vae_course import plots
from vae_course.train.figures import latent_traversal, most_used_latents


def _size(path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


@pytest.mark.parametrize("channels", [1, 3])
def test_image_grid_keeps_the_grid_aspect_ratio(tmp_path, channels):
    """Is a 2 x 8 grid of square images about four times as wide as it is high?"""
    path = plots.save_image_grid(torch.rand(16, channels, 28, 28), tmp_path / "grid.png", nrow=8)
    width, height = _size(path)
    assert 3 < width / height < 5


def test_wide_grids_are_capped_in_width(tmp_path):
    """Does a 20-wide strip stay within the maximum width (12 inches at 120 dpi, plus margins)?"""
    width, _ = _size(plots.save_image_grid(torch.rand(20, 3, 32, 32), tmp_path / "strip.png", nrow=20))
    assert width <= 12 * 120 + 50


def test_interpolation_strip_is_framed_by_its_inputs(tmp_path):
    path = plots.save_interpolation_strip(torch.rand(6, 1, 28, 28), tmp_path / "strip.png",
                                          ends=(torch.rand(1, 28, 28), torch.rand(1, 28, 28)))
    width, height = _size(path)
    assert width > 4 * height


def test_latent_traversal_and_loss_curves_are_written(tmp_path):
    values = (-1.0, 0.0, 1.0)
    assert _size(plots.save_latent_traversal(torch.rand(9, 1, 28, 28), values, (2, 5), tmp_path / "t.png"))[0] > 300
    assert _size(plots.save_loss_curves({"train": [3.0, 2.0], "test": [3.5, 2.5]}, tmp_path / "l.png"))[0] > 300


class _Probe(nn.Module):
    """A fake VAE: coordinates 3 and 1 carry information, the rest sit at the prior."""

    latent_dim = 6

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu = torch.zeros(len(x), self.latent_dim)
        mu[:, 3], mu[:, 1] = 3 * x.flatten(1)[:, 0], 2 * x.flatten(1)[:, 0]
        return mu, torch.zeros_like(mu)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z[:, :4].reshape(len(z), 1, 2, 2) * self.scale


def test_traversal_varies_the_most_used_latents_only():
    """Are the two most informative coordinates picked, and only they vary over the grid?"""
    model = _Probe()
    dims = most_used_latents(model, torch.randn(64, 1, 2, 2))
    assert dims == (3, 1)
    decoded = latent_traversal(model, dims, (-1.0, 0.0, 1.0)).flatten(1)
    assert decoded[:, 3].tolist() == [-1, -1, -1, 0, 0, 0, 1, 1, 1]  # rows vary dims[0]
    assert decoded[:, 1].tolist() == [-1, 0, 1] * 3  # columns vary dims[1]
    assert decoded[:, [0, 2]].abs().sum() == 0


def test_importing_the_helpers_keeps_the_kernels_backend():
    """Does a kernel's inline backend survive importing the helpers (so plt.show() works in the notebook)?"""
    import os
    import subprocess
    import sys

    inline = "module://matplotlib_inline.backend_inline"
    code = "import vae_course.plots, vae_course.train.figures, matplotlib; print(matplotlib.get_backend())"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "MPLBACKEND": inline},
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == inline


def test_a_saved_figure_reads_as_one_line_as_a_cells_last_value(tmp_path):
    """A locked cell ending in a plot call shows ``saved figures/x.png``, not ``PosixPath('figures/x.png')``."""
    from IPython.lib.pretty import pretty

    saved = plots.save_loss_curves({"train": [3.0, 2.0]}, tmp_path / "loss.png")
    assert saved.exists() and pretty(saved) == f"saved {tmp_path / 'loss.png'}"
