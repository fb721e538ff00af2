"""Public checks of vae_loss, on values worked out by hand (the hidden checks use random inputs).

When the grader grades (``framework.seeds``), ``asked`` hands the same values over in another order
of pixels and latent dimensions, with latent dimensions at the prior added: the loss is the same
number, and no answer kept for the published tensors fits them.
"""
import math

import torch

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.framework.seeds import PUBLISHED, current_key

LN2 = math.log(2)


def asked(recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor,
          logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The inputs as the check asks them: as written under the published key; under the grader's, with one to three
    latent dimensions at the prior added (mu = logvar = 0 adds exactly 0 to the KL) and the pixels and latent
    dimensions shuffled alike in every row (sums do not depend on the order), drawn from the check's seed."""
    if current_key() == PUBLISHED:
        return recon, x, mu, logvar
    prior = torch.zeros(len(mu), int(torch.randint(1, 4, ())))
    mu, logvar = torch.cat([mu, prior], 1), torch.cat([logvar, prior], 1)
    pixels, latents = torch.randperm(x.shape[1]), torch.randperm(mu.shape[1])
    return recon[:, pixels], x[:, pixels], mu[:, latents], logvar[:, latents]


def one_number(loss: torch.Tensor | None) -> torch.Tensor:
    """``loss`` is a 0-dim float32 tensor (read off the tensor itself); returns it."""
    assert isinstance(loss, torch.Tensor), "the loss is not a tensor"
    assert loss.shape == (), f"the loss has shape {tuple(loss.shape)}, expected () (one number)"
    assert loss.dtype == torch.float32, f"the loss has dtype {loss.dtype}, expected torch.float32"
    return loss


@check("vae_loss.hand_computed", part="vae_loss", points=2,
       feedback="vae_loss must return one 0-dim tensor: BCE summed over pixels and batch plus "
                "KL = -0.5 * sum(1 + logvar - mu**2 - exp(logvar)).")
def matches_a_value_worked_out_by_hand(student):
    """BCE of 0.5 against 1 and 0 is 2 ln 2, KL(N(1, 1) || N(0, 1)) is 0.5 and 0 at the prior: is the loss their sum?"""
    result = student.probe("vae_loss_value", *asked(torch.tensor([[0.5, 0.5]]), torch.tensor([[1.0, 0.0]]),
                                                    torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]])))
    expect.close(one_number(result["loss"]), torch.tensor(2 * LN2 + 0.5), "the loss")


@check("vae_loss.kl_value", part="vae_loss", points=1,
       feedback="The KL term is -0.5 * sum(1 + logvar - mu**2 - exp(logvar)) summed over every latent dimension "
                "and image, with the 0.5, the '1 +' and a minus sign; at mu = 0, logvar = 0 it is 0.")
def kl_of_known_gaussians(student):
    """With perfect binary reconstructions, is the KL 0 at mu = logvar = 0 and 3.5 - ln 2 at mu = 2, logvar = ln 4?"""
    recon = x = torch.tensor([[1.0, 0.0, 1.0, 0.0]])  # BCE is 0 summed or averaged: this checks the KL alone
    at_prior = student.probe("vae_loss_value", *asked(recon, x, torch.zeros(1, 3), torch.zeros(1, 3)))["loss"]
    expect.close(at_prior, torch.tensor(0.0), "the loss at mu = 0, logvar = 0 with perfect reconstructions",
                 atol=1e-4)
    # KL(N(2, 4) || N(0, 1)) = 0.5 * (4 + 4 - 1 - ln 4) in the first dimension; the second, at the prior, adds 0.
    shifted = student.probe("vae_loss_value",
                            *asked(recon, x, torch.tensor([[2.0, 0.0]]), torch.tensor([[2 * LN2, 0.0]])))["loss"]
    expect.close(shifted, torch.tensor(0.5 * (7 - 2 * LN2)), "the loss at mu = 2, logvar = ln 4", atol=1e-4)


@check("vae_loss.sums_over_batch", part="vae_loss", points=1,
       feedback="Sum over the batch and the pixels (reduction='sum'): no mean, no division by the batch size, "
                "so a batch of three copies of an image costs three times as much as the image alone.")
def a_repeated_batch_costs_its_size_times_as_much(student):
    """Is the loss of a batch of three copies of one example three times the loss of the example?"""
    recon, x, mu, logvar = asked(torch.tensor([[0.2, 0.7, 0.9]]), torch.tensor([[0.0, 1.0, 0.5]]),
                                 torch.tensor([[0.5, -1.0]]), torch.tensor([[0.3, -0.4]]))
    one = student.probe("vae_loss_value", recon, x, mu, logvar)["loss"]
    three = student.probe("vae_loss_value", *(t.repeat(3, 1) for t in (recon, x, mu, logvar)))["loss"]
    assert one is not None and three is not None, "the loss is not a tensor"
    expect.close(three, 3 * one, "the loss of three copies, compared with three times one copy,")


@check("vae_loss.scalar_and_finite", part="vae_loss", points=1,
       feedback="Return a single finite 0-dim tensor (a sum, not per-image values), also when a reconstruction "
                "is exactly 0 or 1: F.binary_cross_entropy clamps the logarithm for you.")
def is_a_finite_scalar_at_the_edges(student):
    """For reconstructions of exactly 0 and 1, is the loss one finite number?"""
    recon = torch.tensor([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2]])
    x = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    result = student.probe("vae_loss_value", *asked(recon, x, torch.randn(2, 3), torch.randn(2, 3)))
    assert torch.isfinite(one_number(result["loss"])), "the loss is not finite"
