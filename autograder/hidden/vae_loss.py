"""Hidden checks of vae_loss, against PyTorch's own BCE and KL."""
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Normal, kl_divergence

from autograder.framework import expect
from autograder.framework.registry import check, examples


def _closed_form(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon.double(), x.double(), reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar.double() - mu.double() ** 2 - logvar.double().exp())


@check("vae_loss.formula", part="vae_loss", points=2,
       feedback="The loss is BCE summed over every pixel and image plus KL summed over latent dimensions and "
                "images: no mean, no division by the batch size, KL with the 0.5 and a minus sign.")
@examples(15)
@given(batch=st.integers(1, 9), pixels=st.integers(1, 40), latent=st.integers(1, 12), seed=st.integers(0, 2**16))
def matches_bce_sum_plus_kl_sum(student, batch, pixels, latent, seed):
    """On random inputs, is the loss BCE-sum plus the closed-form KL-sum?"""
    generator = torch.Generator().manual_seed(seed)
    recon = torch.rand(batch, pixels, generator=generator) * 0.98 + 0.01
    x = torch.rand(batch, pixels, generator=generator)
    mu = torch.randn(batch, latent, generator=generator) * 2
    logvar = torch.randn(batch, latent, generator=generator) * 2
    loss = student.probe("vae_loss_value", recon, x, mu, logvar)["loss"]
    expect.close(loss, _closed_form(recon, x, mu, logvar), "the loss", atol=1e-3, rtol=1e-4)


@check("vae_loss.kl_zero_at_prior", part="vae_loss", points=1,
       feedback="KL(N(0, 1) || N(0, 1)) is 0: with mu = 0 and logvar = 0 the KL term adds nothing; "
                "check the '1 +' term and the signs.")
def kl_vanishes_at_the_prior(student):
    """With mu = 0 and logvar = 0 and reconstructions equal to their binary images, is the loss 0?"""
    x = (torch.rand(3, 10) > 0.5).float()  # BCE is 0 however it is reduced: only the KL is measured
    loss = student.probe("vae_loss_value", x.clone(), x, torch.zeros(3, 4), torch.zeros(3, 4))["loss"]
    expect.close(loss, torch.tensor(0.0), "the loss", atol=1e-4)


@check("vae_loss.kl_matches_torch", part="vae_loss", points=1,
       feedback="The KL term must equal torch.distributions.kl_divergence(Normal(mu, std), Normal(0, 1)) summed "
                "over every latent dimension and image, with std = exp(0.5 * logvar).")
def kl_agrees_with_torch_distributions(student):
    """Is the KL part of the loss what torch.distributions computes?"""
    recon, x = torch.full((5, 6), 0.5), torch.full((5, 6), 0.5)
    mu, logvar = torch.randn(5, 7), torch.randn(5, 7)
    with_kl = student.probe("vae_loss_value", recon, x, mu, logvar)["loss"]
    without = student.probe("vae_loss_value", recon, x, torch.zeros_like(mu), torch.zeros_like(logvar))["loss"]
    assert with_kl is not None and without is not None, "the loss is not a tensor"
    kl = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum()
    expect.close(with_kl - without, kl, "the KL term", atol=1e-3)
