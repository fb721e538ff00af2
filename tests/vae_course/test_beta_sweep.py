"""Does the beta sweep weight the KL term as claimed, and show the KL term's effect?"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from vae_course.beta_sweep import (ACTIVE_COVARIANCE, BetaRun, beta_vae_loss, held_out_terms, lent_loss,
                                   run_beta_sweep, show_beta_sweep, sweep_table, unit_activity)


def _kl_to_prior(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())


def test_beta_one_is_the_assignments_loss_and_beta_zero_drops_the_kl(reference):
    """Built from the notebook's own vae_loss: beta = 1 is that loss, beta = 0 its BCE, beta = 4 four times its KL."""
    vae_loss = reference["vae_loss"]
    recon, x = torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8)
    mu, logvar = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(beta_vae_loss(vae_loss, 1.0)(recon, x, mu, logvar), vae_loss(recon, x, mu, logvar))
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    torch.testing.assert_close(beta_vae_loss(vae_loss, 0.0)(recon, x, mu, logvar), bce)
    kl = _kl_to_prior(mu, logvar).sum()
    torch.testing.assert_close(beta_vae_loss(vae_loss, 4.0)(recon, x, mu, logvar), bce + 4 * kl)


def test_a_wrong_loss_stays_wrong():
    """The sweep's loss is the student's: no working loss hides in it (a loss of 0 stays 0 whatever beta)."""
    def zero(recon_x, x, mu, logvar):
        return torch.zeros(())
    assert beta_vae_loss(zero, 4.0)(torch.rand(2, 3), torch.rand(2, 3), torch.randn(2, 2), torch.randn(2, 2)) == 0


def test_the_lent_loss_is_the_one_train_epoch_calls_and_is_given_back(reference):
    """train_epoch, reading the global vae_loss, calls the lent loss; afterwards the notebook's own is back."""
    namespace = {"vae_loss": reference["vae_loss"]}
    exec("def train_epoch(model, loader, optimizer, device):\n    return vae_loss(*model)", namespace)
    with lent_loss(namespace["train_epoch"], lambda *args: "lent"):
        assert namespace["train_epoch"]((1, 2, 3, 4), None, None, None) == "lent"
    assert namespace["vae_loss"] is reference["vae_loss"]
    with pytest.raises(RuntimeError, match="never called vae_loss"):
        with lent_loss(namespace["train_epoch"], lambda *args: "lent"):
            pass


def _blobs(count: int) -> torch.Tensor:
    """8x8 images of a bright square at one of 16 positions: two factors a code can carry."""
    images = torch.full((count, 1, 8, 8), 0.05)
    for i in range(count):
        row, col = divmod(i % 16, 4)
        images[i, 0, 2 * row:2 * row + 2, 2 * col:2 * col + 2] = 0.95
    return images


@pytest.fixture(scope="module")
def runs(reference):
    ref = reference
    images = _blobs(128)
    loader = DataLoader(TensorDataset(images), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: more threads only wait for each other on a busy machine
    try:
        return run_beta_sweep(lambda: ref["VAE"](image_shape=(1, 8, 8), hidden_dim=32, latent_dim=6), loader, images,
                              (images[0], images[5]), "cpu", steps=200, train_epoch=ref["train_epoch"],
                              vae_loss=ref["vae_loss"], sample_images=ref["sample_images"],
                              interpolate=ref["interpolate"], betas=(0.0, 1.0, 8.0), num_samples=4, num_steps=5)
    finally:
        torch.set_num_threads(threads)


def test_more_weight_on_the_kl_means_less_information_in_the_code(runs):
    """Does the KL per image fall as beta grows, with fewer active units and worse reconstructions?"""
    kls = [run.kl for run in runs]
    assert kls[0] > kls[1] > kls[2]
    assert runs[0].active_units == 6 and runs[2].active_units < runs[0].active_units
    assert runs[0].reconstruction < runs[2].reconstruction
    assert all(run.samples.shape == (4, 1, 8, 8) and run.interpolation.shape == (5, 1, 8, 8) for run in runs)


def test_table_and_figure(runs, tmp_path):
    table = sweep_table(runs).splitlines()
    assert len(table) == 5 and "active units" in table[0] and table[1].split()[-1] == "6/6"
    assert "Cov_x(E_q[z_j|x]) > 0.01" in table[-1] and "Burda et al. 2016" in table[-1]
    path = show_beta_sweep(runs, tmp_path / "sweep.png")
    with Image.open(path) as image:
        assert image.size[0] > 800 and image.size[1] > 300


def test_active_units_are_those_whose_posterior_mean_varies_with_the_input():
    """Burda et al.'s test: Var_x(mu_j(x)) > 0.01, whatever the dimension's KL."""
    mu = torch.stack([torch.zeros(100), 0.05 * torch.randn(100), torch.randn(100), torch.full((100,), 3.0)], 1)
    activity = unit_activity(mu)
    torch.testing.assert_close(activity, mu.var(0, correction=0))
    run = BetaRun(1.0, None, _kl_to_prior(mu, torch.zeros_like(mu)).mean(0), activity, 0.0, None, None)
    assert run.active.tolist() == [False, False, True, False] and run.active_units == 1
    assert run.kl_per_dim[3] > 4 > ACTIVE_COVARIANCE  # a constant mean far from 0: a large KL, no information


class _ConstantPosterior(nn.Module):
    """An encoder that ignores its input: q(z|x) = N(0, 0.5) for every x, and a perfect copy as decoder."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))  # where held_out_terms finds the model's device

    def forward(self, x: torch.Tensor):
        mu = torch.zeros(len(x), 4)
        return x, mu, torch.full_like(mu, math.log(0.5))


def test_a_posterior_constant_in_x_has_no_active_unit_although_its_kl_is_positive(reference):
    """N(0, 0.5) for every image: KL 0.097 nats per dimension (above the old 0.05 nats threshold), no information."""
    images = torch.rand(64, 1, 4, 4)
    kl_per_dim, activity, _ = held_out_terms(_ConstantPosterior(), images, reference["vae_loss"])
    assert kl_per_dim.tolist() == pytest.approx([0.5 * (0.5 - math.log(0.5) - 1)] * 4) and (kl_per_dim > 0.05).all()
    run = BetaRun(1.0, None, kl_per_dim, activity, 0.0, None, None)
    assert run.active_units == 0 and run.kl > 0.38
