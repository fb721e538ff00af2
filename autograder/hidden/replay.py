"""The correct training epoch, replayed in the grader on the objects a scenario lends (never shipped: it solves
the part).

The grader builds the model, loader and optimizer of the scenario again in its own process and
runs the specified loop on them: train mode, each batch's images moved to the device, zero_grad,
forward, the lent loss (``stand_in_objective``, what ``train_epoch`` gets as ``vae_loss``),
backward, step, and the loss summed over the epoch divided by the images seen. What the
student's epoch returned and left in the weights is compared with this.
"""
from __future__ import annotations

from typing import Any

import torch

from autograder.sandbox.loop_harness import DEVICE, Scenario, lend, stand_in_objective, weights


def replay(scenario: Scenario) -> dict[str, list[Any]]:
    """Per epoch: the mean loss per image the correct epoch returns, and the weights it leaves, for what
    ``scenario`` lends under the current key."""
    scenario = scenario.keyed()
    model, loader, optimizer = lend(scenario)
    device = torch.device(DEVICE)
    returned, after = [], []
    for _ in range(scenario.epochs):
        model.train()
        total, count = 0.0, 0
        for batch in loader:
            x = batch[0] if isinstance(batch, (list, tuple)) else batch
            x = x.to(device)
            optimizer.zero_grad()
            x_hat, mu, logvar = model(x)
            loss = stand_in_objective(x_hat, x, mu, logvar)
            loss.backward()
            optimizer.step()
            total += loss.item()
            count += len(x)
        returned.append(total / count)
        after.append(weights(model))
    return {"returned": returned, "weights": after}
