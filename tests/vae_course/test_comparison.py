"""Do the comparison's measures, the BCE floor and the side-by-side figures say what they claim?"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.distributions import Normal, kl_divergence

from vae_course import inline
from vae_course.comparison import (Measures, bce_floor, comparison_table, dataset_label, loss_terms, measure,
                                   parameter_count, reconstruct, show_reconstructions)
from vae_course.side_by_side import crossfade, show_interpolation_vs_crossfade, show_samples_vs_reconstructions


def _size(path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def test_the_floor_is_the_bce_of_a_perfect_reconstruction():
    """Is the floor what BCE gives when the reconstruction equals the target, and never more than BCE?"""
    x = torch.rand(5, 3, 4, 4)
    exact = F.binary_cross_entropy(x, x, reduction="none").flatten(1).sum(1)
    torch.testing.assert_close(bce_floor(x), exact.double())
    for _ in range(5):
        p = torch.rand_like(x).clamp(1e-4, 1 - 1e-4)
        assert (F.binary_cross_entropy(p, x, reduction="none").flatten(1).sum(1).double() >= bce_floor(x)).all()


def test_the_floor_is_zero_only_for_binary_targets():
    binary = torch.randint(0, 2, (2, 1, 28, 28)).float()
    assert bce_floor(binary).tolist() == [0.0, 0.0]
    assert bce_floor(torch.full((1, 1, 2, 2), 0.5)).item() == pytest.approx(4 * math.log(2))


def test_loss_terms_are_the_students_bce_and_kl(reference):
    """Told apart from the notebook's own vae_loss: its BCE and its KL, which matches torch.distributions."""
    recon, x = torch.rand(4, 5), torch.rand(4, 5)
    mu, logvar = torch.randn(4, 6), torch.randn(4, 6)
    bce, kl = loss_terms(reference["vae_loss"], recon, x, mu, logvar)
    torch.testing.assert_close(bce, F.binary_cross_entropy(recon, x, reduction="sum"))
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum()
    torch.testing.assert_close(kl, expected)


class _Copy(nn.Module):
    """A 'VAE' that reconstructs its input exactly with posterior N(shift, I)."""

    latent_dim = 2

    def __init__(self, shift: float = 0.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(3))
        self.shift = shift

    def forward(self, x):
        mu = torch.full((len(x), self.latent_dim), self.shift)
        return x, mu, torch.zeros_like(mu)

    def encode(self, x):
        return x.flatten(1)[:, :2] * self.weight[:2], torch.zeros(len(x), 2)

    def decode(self, z):
        return z.repeat(1, 2).view(len(z), 1, 2, 2)


def test_measure_averages_per_image_over_uneven_batches(reference):
    """A perfect copy with KL 1 nat per image: reconstruction at the floor, nothing above it but the KL."""
    batches = [torch.rand(3, 1, 2, 2), torch.rand(1, 1, 2, 2)]
    shift = math.sqrt(2 / 2)  # KL = 0.5 * shift**2 per dimension, two dimensions: 1 nat per image
    result = measure(_Copy(shift), batches, "cpu", "copy", "noise", reference["vae_loss"])
    floor = bce_floor(torch.cat(batches)).mean().item()
    assert result.parameters == 3 and result.dimensions == 4
    assert result.reconstruction == pytest.approx(floor, rel=1e-5)
    assert result.floor == pytest.approx(floor)
    assert result.kl == pytest.approx(1.0)
    assert result.above_floor_bits_per_dim == pytest.approx(1.0 / (4 * math.log(2)), rel=1e-4)
    assert result.loss_bits_per_dim == pytest.approx((floor + 1.0) / (4 * math.log(2)), rel=1e-5)


def test_measure_refuses_an_empty_loader(reference):
    with pytest.raises(ValueError, match="empty"):
        measure(_Copy(), [], "cpu", "copy", "nothing", reference["vae_loss"])


def test_the_table_has_a_row_per_model_with_its_numbers():
    rows = [Measures("VAE", "MNIST", 652824, 784, 70.0, 25.0, 20.0),
            Measures("ConvVAE", "CIFAR-10 stand-in", 460000, 3072, 1850.0, 30.0, 1800.0)]
    lines = comparison_table(rows).splitlines()
    assert len(lines) == 6 and "loss bits/dim" in lines[0] and "above floor bits/dim" in lines[0]
    assert "a loss, not a likelihood" in lines[4] and "not comparable with published bits/dim" in lines[5]
    assert "652,824" in lines[2] and f"{75 / (784 * math.log(2)):.3f}" in lines[2]
    assert lines[3].startswith("ConvVAE") and f"{80 / (3072 * math.log(2)):.3f}" in lines[3]


def test_parameter_count_and_stand_in_labels(tmp_path):
    assert parameter_count(nn.Linear(3, 2)) == 8
    assert dataset_label("CIFAR-10", tmp_path / "standin" / "cifar10") == "CIFAR-10 stand-in"
    assert dataset_label("CIFAR-10", tmp_path) == "CIFAR-10"


def test_reconstruct_decodes_the_posterior_mean():
    x = torch.rand(2, 1, 2, 2)
    assert torch.equal(reconstruct(_Copy(), x), x.flatten(1)[:, :2].repeat(1, 2).view(2, 1, 2, 2))


def test_crossfade_blends_pixels_linearly():
    a, b = torch.zeros(3, 4, 4), torch.ones(3, 4, 4)
    frames = crossfade(a, b, 5)
    assert frames.shape == (5, 3, 4, 4)
    assert torch.equal(frames[0], a) and torch.equal(frames[-1], b)
    assert frames[:, 0, 0, 0].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ValueError, match="differ in shape"):
        crossfade(a, torch.ones(1, 4, 4), 3)


def test_figures_mix_grey_and_colour_panels(tmp_path):
    """Do the side-by-side figures take MNIST (1 channel) and CIFAR-10 (3 channels) panels together?"""
    grey, colour = torch.rand(8, 1, 28, 28), torch.rand(8, 3, 32, 32)
    paths = [
        show_reconstructions([("FC on MNIST", grey, grey.flatten(1)), ("conv on CIFAR-10", colour, colour)],
                             tmp_path / "comparison.png"),
        show_interpolation_vs_crossfade([("CIFAR-10", colour[:6], colour[2:]), ("MNIST", grey[:6], grey[2:])],
                                        tmp_path / "crossfade.png"),
        show_samples_vs_reconstructions(colour, colour, colour, tmp_path / "samples.png", title="faces"),
    ]
    for path in paths:
        width, height = _size(path)
        assert width > 600 and height > 150
    with pytest.raises(ValueError, match="cross-faded"):
        show_interpolation_vs_crossfade([("bad", colour[:6], colour[:5])], tmp_path / "bad.png")


def test_figures_are_shown_inline_in_a_kernel(tmp_path, monkeypatch):
    """Outside a kernel only the file is written; inside one, the PNG is also displayed."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    crossfade_frames = torch.rand(4, 1, 8, 8)
    show_interpolation_vs_crossfade([("x", crossfade_frames, crossfade_frames)], tmp_path / "a.png")
    assert shown == [] and not inline.in_kernel()
    monkeypatch.setattr(inline, "in_kernel", lambda: True)
    path = show_interpolation_vs_crossfade([("x", crossfade_frames, crossfade_frames)], tmp_path / "b.png")
    assert len(shown) == 1 and shown[0].data == path.read_bytes()


@pytest.mark.parametrize("count", [2, 8])
def test_samples_beside_reconstructions_leave_no_empty_band(tmp_path, count):
    """Is the figure as tall as its two rows of images (and the titles), not a tall page with a blank band?"""
    faces = torch.rand(count, 3, 32, 32)
    path = show_samples_vs_reconstructions(faces, faces, faces, tmp_path / "faces.png", title="one decoder")
    with Image.open(path) as image:
        pixels = torch.from_numpy(np.array(image.convert("L"))).float()
    blank_rows = int(((pixels > 250).all(dim=1)).sum())
    assert blank_rows < 0.3 * len(pixels), f"{blank_rows} of {len(pixels)} pixel rows are blank"
