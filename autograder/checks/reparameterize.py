"""Public checks of reparameterize: one fixed input per property; the hidden checks use others."""
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect
from autograder.checks import check, examples
from autograder.errors import StudentError


@check("reparameterize.shape_and_dtype", task="reparameterize", points=1,
       feedback="z must have the shape and dtype of mu for any batch and latent size: draw eps with "
                "torch.randn_like(std) rather than with a fixed size such as torch.randn(32, 20).")
@examples(12)
@given(batch=st.integers(1, 65), latent=st.integers(1, 33), double=st.booleans())
def shape_and_dtype_follow_the_inputs(student, batch, latent, double):
    """Does z take the shape and dtype of mu, for any batch and latent size?"""
    dtype = torch.float64 if double else torch.float32
    mu = torch.randn(batch, latent, dtype=dtype)
    result = student.probe("reparameterize_sample", mu, torch.zeros_like(mu))
    expect.tensor(result["facts"], (batch, latent), "z", str(dtype).removeprefix("torch."))


@check("reparameterize.std", task="reparameterize", points=1,
       feedback="z must be distributed as N(mu, exp(logvar)): std = exp(0.5 * logvar) (not exp(logvar), not the "
                "variance), eps ~ N(0, 1), and no shortcut that returns mu.")
def sample_mean_is_mu_and_sample_std_is_exp_half_logvar(student):
    """Over 20,000 draws of mu = (1, -1), logvar = (0, 2), are the sample mean mu and the sample std exp(0.5 * logvar)?"""
    mu = torch.tensor([[1.0, -1.0]]).expand(20000, 2).contiguous()
    logvar = torch.tensor([[0.0, 2.0]]).expand(20000, 2).contiguous()
    for grad_enabled in (True, False):
        z = student.probe("reparameterize_sample", mu, logvar, "cpu", grad_enabled)["z"]
        assert z is not None, "z is not a tensor"
        expect.close(z.mean(0), mu[0], "the mean of z", atol=0.06, rtol=0)
        expect.close(z.std(0), torch.tensor([1.0, 2.718281828]), "the standard deviation of z", atol=0, rtol=0.04)


@check("reparameterize.one_eps_per_element", task="reparameterize", points=1,
       feedback="Draw a separate eps for every element of mu (torch.randn_like(std)), on mu's device and in mu's "
                "dtype: not one eps shared by the batch or the latent dimensions, not a CPU or float32 tensor such as "
                "torch.randn(std.shape).")
def every_element_gets_its_own_noise(student):
    """With mu = 0 and logvar = 0 of shape (64, 8), do all 512 values of z differ, and is eps drawn on mu's device and in float64 for float64 inputs?"""
    z = student.probe("reparameterize_sample", torch.zeros(64, 8), torch.zeros(64, 8))["z"]
    assert z is not None and z.shape == (64, 8), "z is not a (64, 8) tensor"
    distinct = len(torch.unique(z))
    assert distinct == 512, f"z has only {distinct} different values among 512: eps is shared between elements"
    # On the 'meta' device a CPU-made eps shows up without a GPU. Code that cannot run on meta
    # tensors for another reason (torch.distributions validating its arguments) is not judged here.
    try:
        meta = student.probe("reparameterize_sample", torch.zeros(3, 4), torch.zeros(3, 4), "meta")["facts"]
    except StudentError as error:
        assert "expected device" not in str(error), "eps is not on mu's device"
    else:
        assert meta.get("device") == "meta", "z is not on mu's device"
    double = student.probe("reparameterize_sample", torch.zeros(64, 8, dtype=torch.float64),
                           torch.zeros(64, 8, dtype=torch.float64))["z"]
    assert double is not None and double.dtype == torch.float64, "z is not float64 for float64 inputs"
    single = (double - double.float().double()).abs() <= 1e-12 * double.abs().clamp_min(1e-30)
    assert single.double().mean() < 0.5, "eps was drawn in float32 for float64 inputs"


@check("reparameterize.gradients_flow", task="reparameterize", points=1,
       feedback="Gradients must reach mu and logvar: compute z = mu + eps * exp(0.5 * logvar) from mu and "
                "logvar themselves, without .detach(), .data or torch.no_grad().")
def gradients_reach_mu_and_logvar_on_one_input(student):
    """For mu = 0 and logvar = 0 of shape (4, 3), are dz/dmu = 1 and dz/dlogvar = 0.5 * (z - mu)?"""
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)
    result = student.probe("reparameterize_gradients", mu, logvar)
    assert result["facts"].get("requires_grad"), "z does not track gradients"
    assert result["mu_grad"] is not None, "no gradient reached mu"
    assert result["logvar_grad"] is not None, "no gradient reached logvar"
    expect.close(result["mu_grad"], torch.ones(4, 3), "dz/dmu")
    # z - mu = std * eps, so dz/dlogvar = 0.5 * std * eps = 0.5 * (z - mu) whatever eps was drawn.
    expect.close(result["logvar_grad"], 0.5 * (result["z"] - mu), "dz/dlogvar")
