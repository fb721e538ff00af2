"""Public checks of train_epoch, graded on the grader's own small model, data and optimizer (loop_harness).

Each check lends ``train_epoch`` the objects of a fixed ``Scenario`` and compares what it
returned and the weights it left with what the correct epoch gives from the same start: the
grader's own replay (``autograder/hidden/``): recorded for these scenarios' published inputs
(``autograder.assignment.recorded``), replayed live for the grader's own.
A scenario makes its check's mistake show and keeps the others out of the way: with a learning
rate of 0 the weights never move, so only the forward passes shape the returned loss; with one
image per batch, dividing by the batch size changes nothing. What the worker reports about the
loop (modes, steps) only words the message.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from autograder.framework.registry import Student, check
from autograder.framework.seeds import PUBLISHED, current_key
from autograder.assignment.recorded import recorded
from autograder.sandbox.loop_harness import Scenario, lent_model, weights

RETURNS_FLOAT = Scenario(seed=0, count=6, batch_size=1, lr=0.0)
MEAN_PER_IMAGE = Scenario(seed=1, lr=0.0)
WEIGHT_UPDATES = Scenario(seed=2, epochs=3)
LOSS_TOLERANCE = 1e-4  # relative; float32 sums in another order differ by about 1e-7
WEIGHT_TOLERANCE = 1e-3  # of how far the weights moved; float32 noise is about 1e-6, one batch's mistake far above


def run_epochs(student: Student, scenario: Scenario) -> list[dict[str, Any]]:
    """Per epoch: what train_epoch returned, the weights it left, and what the worker saw it do."""
    return student.probe("training_epochs", scenario.keyed().as_dict())["epochs"]


def forward_count(epochs: list[dict[str, Any]]) -> int:
    return sum(len(epoch["forwards"]) for epoch in epochs)


def loss_mismatch(epochs: list[dict[str, Any]], expected: dict[str, Any]) -> str | None:
    """How the returned losses differ from the correct epochs' (None when they agree)."""
    if forward_count(epochs) == 0:
        return "train_epoch never called the model on a batch"
    for number, (epoch, want) in enumerate(zip(epochs, expected["returned"], strict=True), 1):
        value = epoch["returned"]["value"]
        if value is None:
            return f"train_epoch returned a {epoch['returned']['type']}, not a number"
        if not math.isclose(value, want, rel_tol=LOSS_TOLERANCE):
            if current_key() != PUBLISHED:  # the grader's inputs: the right value would answer them next time
                return (f"epoch {number} returned {value:.5g}, {value / want if want else math.inf:.2g} times the "
                        "mean loss per image over that epoch")
            ratio = f" (ratio {value / want:.3g})" if want else ""
            return (f"epoch {number} returned {value:.5g}; the mean loss per image over that epoch is "
                    f"{want:.5g}{ratio}")
    return None


def weight_mismatch(epochs: list[dict[str, Any]], expected: dict[str, Any], scenario: Scenario) -> str | None:
    """How the weights after each epoch differ from the correct epochs' (None when they agree)."""
    start = weights(lent_model(scenario.keyed().seed))
    for number, (epoch, want) in enumerate(zip(epochs, expected["weights"], strict=True), 1):
        got = epoch["weights"]
        if not isinstance(got, dict) or sorted(got) != sorted(want) or any(
                not isinstance(got[k], torch.Tensor) or got[k].shape != want[k].shape for k in want):
            return "train_epoch replaced the model's parameters"
        gap = _norm(got, want) / max(_norm(want, start), 1e-12)
        if _norm(got, start) == 0.0:
            return f"the weights never changed in epoch {number}"
        if gap > WEIGHT_TOLERANCE:
            return f"after epoch {number} the weights are off by {gap:.2g} of how far training moves them"
    return None


def _norm(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    return math.sqrt(sum(float((a[k].double() - b[k].double()).pow(2).sum()) for k in b))


def loop_report(epochs: list[dict[str, Any]]) -> str:
    """What the worker saw the loop do (steps, leftover gradients), to word a message; never to decide."""
    batches, steps = forward_count(epochs), sum(epoch["steps"] for epoch in epochs)
    stale = sum(epoch["stale_backwards"] for epoch in epochs)
    if steps != batches:
        return f"; the optimizer stepped {steps} times for {batches} batches"
    if stale:
        return f"; {stale} of {batches} backward passes added to gradients left over from earlier batches"
    return ""


def expect_losses(epochs: list[dict[str, Any]], expected: dict[str, Any], fact: str = "", wording: str = "") -> None:
    """The epochs returned ``expected``'s losses; on a mismatch, the message counts the forward passes whose
    ``fact`` (what the worker saw) was false, as ``wording`` says."""
    mismatch = loss_mismatch(epochs, expected)
    if mismatch is not None and fact:
        facts = [f[fact] for epoch in epochs for f in epoch["forwards"]]
        mismatch += f"; {facts.count(False)} of {len(facts)} {wording}"
    assert mismatch is None, mismatch


def expect_weights(epochs: list[dict[str, Any]], expected: dict[str, Any], scenario: Scenario) -> None:
    """The epochs left ``expected``'s weights after each epoch."""
    mismatch = weight_mismatch(epochs, expected, scenario)
    assert mismatch is None, mismatch + loop_report(epochs)


@check("train_epoch.returns_float", part="train_epoch", points=1,
       feedback="Add up each batch's loss as a number, loss.item(): summing the tensors keeps every batch's graph "
                "in memory, and the function must return a float.")
def returns_a_float(student):
    """Does train_epoch return the epoch's loss as a Python float (not a tensor that keeps the graph)?"""
    epochs = run_epochs(student, RETURNS_FLOAT)
    returned = epochs[0]["returned"]
    tracking = " that tracks gradients" if returned["requires_grad"] else ""
    assert returned["number"], f"train_epoch returned a {returned['type']}{tracking}, not a float"
    expect_losses(epochs, recorded("train_epoch.returns_float"))


@check("train_epoch.mean_per_image", part="train_epoch", points=2,
       feedback="Return the sum of the batches' summed losses divided by the number of images seen: "
                "vae_loss is already a sum over the batch, so divide once.")
def returns_the_mean_loss_per_image(student):
    """Is the returned value the epoch's mean loss per image?"""
    expect_losses(run_epochs(student, MEAN_PER_IMAGE), recorded("train_epoch.mean_per_image"))


@check("train_epoch.weight_updates", part="train_epoch", points=1,
       feedback="Each step: forward pass, vae_loss, optimizer.zero_grad(), loss.backward(), optimizer.step().")
def updates_the_weights_as_the_loop_should(student):
    """After three epochs, are the model's weights those of zero_grad, backward and one step on every batch?"""
    expect_weights(run_epochs(student, WEIGHT_UPDATES), recorded("train_epoch.weight_updates"), WEIGHT_UPDATES)
