"""Public checks of vae_loss."""
import math

import torch

from autograder import expect
from autograder.checks import check


@check("vae_loss.hand_computed", task="vae_loss", points=2,
       feedback="vae_loss must return one 0-dim tensor: BCE summed over pixels and batch plus "
                "KL = -0.5 * sum(1 + logvar - mu**2 - exp(logvar)).")
def matches_a_value_worked_out_by_hand(student):
    """BCE of 0.5 against 1 and 0 is 2 ln 2 and KL(N(1, 1) || N(0, 1)) is 0.5: is the loss their sum?"""
    result = student.probe("vae_loss_value", torch.tensor([[0.5, 0.5]]), torch.tensor([[1.0, 0.0]]),
                           torch.tensor([[1.0]]), torch.tensor([[0.0]]))
    expect.tensor(result["facts"], (), "the loss")
    expect.close(result["loss"], torch.tensor(2 * math.log(2) + 0.5), "the loss")
