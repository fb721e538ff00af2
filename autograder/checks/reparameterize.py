"""Public checks of reparameterize: one fixed input per property; the hidden checks use others.

Every verdict is read off the z (and gradients) the student's function returned, in the grader:
z's shape and dtype from the tensor itself, its noise as eps = (z - mu) / exp(0.5 * logvar), its
gradients as a vector-Jacobian product with a cotangent the grader chose. The worker's autograd
computes that product, so code in the worker could report any gradients: they earn the point only
when z itself, drawn again with the same noise from shifted inputs, moves as they say.
"""
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.framework import expect
from autograder.framework.registry import Student, check, examples
from autograder.framework.errors import StudentError


def sampled(z: torch.Tensor | None, mu: torch.Tensor, what: str = "z") -> torch.Tensor:
    """``z`` is a tensor of mu's shape and dtype; returns it."""
    assert isinstance(z, torch.Tensor), f"{what} is not a tensor"
    assert z.shape == mu.shape, f"{what} has shape {tuple(z.shape)}, expected {tuple(mu.shape)}"
    assert z.dtype == mu.dtype, f"{what} has dtype {z.dtype}, expected {mu.dtype}"
    return z


def expect_standard_noise(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, tolerance: float) -> torch.Tensor:
    """eps = (z - mu) / exp(0.5 * logvar) is finite and has mean 0 and std 1 within ``tolerance``; returns eps."""
    eps = (z.double() - mu.double()) / torch.exp(0.5 * logvar.double())
    assert bool(torch.isfinite(eps).all()), "z has values that are not finite"
    assert abs(float(eps.mean())) < tolerance and abs(float(eps.std()) - 1) < tolerance, (
        f"(z - mu) / exp(0.5 * logvar) has mean {float(eps.mean()):.3g} and std {float(eps.std()):.3g}: "
        "expected noise eps ~ N(0, 1) scaled by std = exp(0.5 * logvar)")
    return eps


def expect_mean_and_std(student: Student, mu: list[float], logvar: list[float]) -> None:
    """Over 20,000 draws of one row ``mu``, ``logvar``, with gradients on and off, the sample mean of z is mu and
    its sample std exp(0.5 * logvar)."""
    mu_rows = torch.tensor([mu]).expand(20000, len(mu)).contiguous()
    logvar_rows = torch.tensor([logvar]).expand(20000, len(logvar)).contiguous()
    for grad_enabled in (True, False):
        z = student.probe("reparameterize_sample", mu_rows, logvar_rows, "cpu", grad_enabled)["z"]
        assert z is not None, "z is not a tensor"
        expect.close(z.mean(0), mu_rows[0], "the mean of z", atol=0.06, rtol=0)
        expect.close(z.std(0), torch.exp(0.5 * logvar_rows[0]), "the standard deviation of z", atol=0, rtol=0.04)


def expect_eps_on_mus_device(student: Student) -> None:
    """z (and so eps) is on mu's device, shown on the 'meta' device, where a CPU-made eps fails without a GPU."""
    # Code that cannot run on meta tensors for another reason (torch.distributions validating its
    # arguments) is not judged here.
    try:
        meta = student.probe("reparameterize_sample", torch.zeros(3, 4), torch.zeros(3, 4), "meta")["facts"]
    except StudentError as error:
        assert "expected device" not in str(error), "eps is not on mu's device"
    else:
        assert meta.get("device") == "meta", "z is not on mu's device"


def expect_float64_noise(student: Student, mu: torch.Tensor, logvar: torch.Tensor, tolerance: float) -> None:
    """For float64 ``mu`` and ``logvar``: z is float64 with standard noise (``tolerance``) drawn in float64."""
    z = sampled(student.probe("reparameterize_sample", mu, logvar)["z"], mu, "z for float64 inputs")
    eps = expect_standard_noise(z, mu, logvar, tolerance)
    single = (eps - eps.float().double()).abs() <= 1e-9 * eps.abs().clamp_min(1e-30)
    assert single.double().mean() < 0.5, "eps was drawn in float32 for float64 inputs"


@check("reparameterize.shape_and_dtype", part="reparameterize", points=1,
       feedback="z must have the shape and dtype of mu for any batch and latent size: draw eps with "
                "torch.randn_like(std) rather than with a fixed size such as torch.randn(32, 20).")
@examples(12)
@given(batch=st.integers(1, 65), latent=st.integers(1, 33), double=st.booleans())
def shape_and_dtype_follow_the_inputs(student, batch, latent, double):
    """Does z take the shape and dtype of mu, for any batch and latent size, and is it mu when the variance vanishes?"""
    dtype = torch.float64 if double else torch.float32
    mu = torch.randn(batch, latent, dtype=dtype)
    z = sampled(student.probe("reparameterize_sample", mu, torch.zeros_like(mu))["z"], mu)
    assert bool(((z - mu).abs() > 0).double().mean() > 0.5), "z is mu: add the noise eps * std"
    # With logvar = -40 the standard deviation is exp(-20), 2e-9: z is mu to within rounding.
    still = sampled(student.probe("reparameterize_sample", mu, torch.full_like(mu, -40.0))["z"], mu)
    expect.close(still, mu, "z for logvar = -40 (a standard deviation of 2e-9)", atol=1e-6, rtol=1e-6)


@check("reparameterize.std", part="reparameterize", points=1,
       feedback="z must be distributed as N(mu, exp(logvar)): std = exp(0.5 * logvar) (not exp(logvar), not the "
                "variance), eps ~ N(0, 1), and no shortcut that returns mu.")
def sample_mean_is_mu_and_sample_std_is_exp_half_logvar(student):
    """Over 20,000 draws of mu = (1, -1), logvar = (0, 2), are the sample mean mu and the sample std exp(0.5 * logvar)?"""
    expect_mean_and_std(student, [1.0, -1.0], [0.0, 2.0])


@check("reparameterize.one_eps_per_element", part="reparameterize", points=1,
       feedback="Draw a separate eps for every element of mu (torch.randn_like(std)), on mu's device and in mu's "
                "dtype: not one eps shared by the batch or the latent dimensions, not a CPU or float32 tensor such as "
                "torch.randn(std.shape).")
def every_element_gets_its_own_noise(student):
    """Do all 512 values of eps = (z - mu) / std differ, on mu's device and in float64 for float64 inputs?"""
    generator = torch.Generator().manual_seed(64)
    mu, logvar = torch.randn(64, 8, generator=generator), 2 * torch.randn(64, 8, generator=generator)
    z = sampled(student.probe("reparameterize_sample", mu, logvar)["z"], mu)
    distinct = len(torch.unique(((z.double() - mu) / torch.exp(0.5 * logvar)).float()))
    assert distinct == 512, f"eps has only {distinct} different values among 512: eps is shared between elements"
    expect_standard_noise(z, mu, logvar, 0.25)
    expect_eps_on_mus_device(student)
    expect_float64_noise(student, mu.double(), logvar.double(), 0.25)


def moves_as_its_gradients_say(student: Student, mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor) -> None:
    """z drawn again with the same seed (the same eps) from mu + d and logvar + d is mu + d + exp(d / 2) * (z - mu).

    This is what the gradients claim, checked on values the function returned rather than on what the
    worker's autograd reports: a wrong z with a forged backward fails here.
    """
    shift = torch.linspace(-1, 1, mu.numel(), dtype=mu.dtype).reshape(mu.shape)
    moved = sampled(student.probe("reparameterize_sample", mu + shift, logvar + shift)["z"], mu,
                    "z for shifted mu and logvar")
    expect.close(moved.double() - (mu + shift).double(), torch.exp(shift.double() / 2) * (z.double() - mu.double()),
                 "z - mu for mu + d and logvar + d, drawn with the same noise, against exp(d / 2) * (z - mu)",
                 atol=1e-4, rtol=1e-3)


def expect_gradients(student: Student, mu: torch.Tensor, logvar: torch.Tensor, cotangent: torch.Tensor) -> None:
    """The gradients of sum(cotangent * z) are cotangent for mu and 0.5 * (z - mu) * cotangent for logvar, and z
    moves with mu and logvar as those gradients say."""
    result = student.probe("reparameterize_gradients", mu, logvar, cotangent)
    z = sampled(result["z"], mu)
    assert bool(((z - mu).abs() > 0).double().mean() > 0.5), "z is mu: add the noise eps * std"
    assert result["mu_grad"] is not None, "no gradient reached mu"
    assert result["logvar_grad"] is not None, "no gradient reached logvar"
    expect.close(result["mu_grad"], cotangent, "the gradient with respect to mu")
    # z - mu = std * eps, so dz/dlogvar = 0.5 * std * eps = 0.5 * (z - mu) whatever eps was drawn.
    expect.close(result["logvar_grad"], 0.5 * (z - mu) * cotangent, "the gradient with respect to logvar")
    moves_as_its_gradients_say(student, mu, logvar, z)


@check("reparameterize.gradients_flow", part="reparameterize", points=1,
       feedback="Gradients must reach mu and logvar: compute z = mu + eps * exp(0.5 * logvar) from mu and "
                "logvar themselves, without .detach(), .data or torch.no_grad().")
def gradients_reach_mu_and_logvar_on_one_input(student):
    """For a fixed cotangent v, is the gradient of sum(v * z) v for mu and 0.5 * (z - mu) * v for logvar?"""
    generator = torch.Generator().manual_seed(16)
    mu, logvar = torch.randn(16, 8, generator=generator), torch.randn(16, 8, generator=generator)
    cotangent = torch.linspace(-2, 2, 128).reshape(16, 8)
    expect_gradients(student, mu, logvar, cotangent)
