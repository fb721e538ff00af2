"""Public checks of reparameterize."""
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect
from autograder.checks import check, examples


@check("reparameterize.shape_and_dtype", task="reparameterize", points=2,
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
