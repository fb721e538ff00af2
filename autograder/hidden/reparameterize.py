"""Hidden checks of reparameterize, read off the returned z and gradients in the grader."""
import torch

from autograder.framework.registry import check
from autograder.checks.reparameterize import (expect_eps_on_mus_device, expect_float64_noise, expect_gradients,
                                              expect_mean_and_std)


@check("reparameterize.gradients_random_cotangent", part="reparameterize", points=1,
       feedback="Gradients must reach mu and logvar: compute z = mu + eps * exp(0.5 * logvar) from mu and "
                "logvar themselves, without .detach(), .data or torch.no_grad().")
def gradients_reach_mu_and_logvar(student):
    """For a random cotangent v, is the gradient of sum(v * z) v for mu and 0.5 * exp(0.5 * logvar) * eps * v for logvar?"""
    mu, logvar, cotangent = torch.randn(6, 5), torch.randn(6, 5), torch.randn(6, 5)
    expect_gradients(student, mu, logvar, cotangent)


@check("reparameterize.distribution", part="reparameterize", points=1,
       feedback="z must be distributed as N(mu, exp(logvar)), with or without gradients: std = exp(0.5 * logvar) "
                "(not exp(logvar), not the variance), eps ~ N(0, 1), and no shortcut that returns mu.")
def samples_have_mean_mu_and_std_exp_half_logvar(student):
    """Over many draws, with gradients on and off, are the sample mean mu and the sample std exp(0.5 * logvar)?"""
    expect_mean_and_std(student, [-2.0, 0.0, 3.0, 0.5], [0.0, -2.0, 1.0, 2.0])


@check("reparameterize.device_and_precision", part="reparameterize", points=2,
       feedback="Create eps like std (torch.randn_like(std)): on mu's device and in mu's dtype, so the code "
                "works on a GPU and in float64.")
def eps_follows_device_and_dtype(student):
    """Is eps drawn on mu's device and in mu's precision?"""
    expect_eps_on_mus_device(student)
    expect_float64_noise(student, torch.randn(400, 8, dtype=torch.float64), 2 * torch.randn(400, 8, dtype=torch.float64),
                         0.1)
