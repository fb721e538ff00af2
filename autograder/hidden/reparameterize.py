"""Hidden checks of reparameterize, read off the returned z and gradients in the grader."""
import torch

from autograder import expect
from autograder.checks import check
from autograder.checks.reparameterize import expect_standard_noise, expect_vector_jacobian_product, sampled
from autograder.errors import StudentError


@check("reparameterize.gradients", task="reparameterize", points=1,
       feedback="Gradients must reach mu and logvar: compute z = mu + eps * exp(0.5 * logvar) from mu and "
                "logvar themselves, without .detach(), .data or torch.no_grad().")
def gradients_reach_mu_and_logvar(student):
    """For a random cotangent v, is the gradient of sum(v * z) v for mu and 0.5 * exp(0.5 * logvar) * eps * v for logvar?"""
    mu, logvar, cotangent = torch.randn(6, 5), torch.randn(6, 5), torch.randn(6, 5)
    expect_vector_jacobian_product(student, mu, logvar, cotangent)


@check("reparameterize.distribution", task="reparameterize", points=1,
       feedback="z must be distributed as N(mu, exp(logvar)), with or without gradients: std = exp(0.5 * logvar) "
                "(not exp(logvar), not the variance), eps ~ N(0, 1), and no shortcut that returns mu.")
def samples_have_mean_mu_and_std_exp_half_logvar(student):
    """Over many draws, with gradients on and off, are the sample mean mu and the sample std exp(0.5 * logvar)?"""
    mu = torch.tensor([[-2.0, 0.0, 3.0, 0.5]]).expand(20000, 4).contiguous()
    logvar = torch.tensor([[0.0, -2.0, 1.0, 2.0]]).expand(20000, 4).contiguous()
    for grad_enabled in (True, False):
        z = student.probe("reparameterize_sample", mu, logvar, "cpu", grad_enabled)["z"]
        assert z is not None, "z is not a tensor"
        expect.close(z.mean(0), mu[0], "the mean of z", atol=0.06, rtol=0)
        expect.close(z.std(0), torch.exp(0.5 * logvar[0]), "the standard deviation of z", atol=0, rtol=0.04)


@check("reparameterize.device_and_precision", task="reparameterize", points=2,
       feedback="Create eps like std (torch.randn_like(std)): on mu's device and in mu's dtype, so the code "
                "works on a GPU and in float64.")
def eps_follows_device_and_dtype(student):
    """Is eps drawn on mu's device and in mu's precision?"""
    # On the 'meta' device a CPU-made eps shows up without a GPU. Code that cannot run on meta
    # tensors for another reason (e.g. torch.distributions validating its arguments) is not judged here.
    try:
        meta = student.probe("reparameterize_sample", torch.zeros(3, 4), torch.zeros(3, 4), "meta")["facts"]
    except StudentError as error:
        assert "expected device" not in str(error), "eps is not on mu's device"
    else:
        assert meta.get("device") == "meta", "z is not on mu's device"
    mu = torch.randn(400, 8, dtype=torch.float64)
    logvar = 2 * torch.randn(400, 8, dtype=torch.float64)
    z = sampled(student.probe("reparameterize_sample", mu, logvar)["z"], mu, "z for float64 inputs")
    eps = expect_standard_noise(z, mu, logvar, 0.1)
    single = (eps - eps.float().double()).abs() <= 1e-9 * eps.abs().clamp_min(1e-30)
    assert single.double().mean() < 0.5, "eps was drawn in float32 for float64 inputs"
