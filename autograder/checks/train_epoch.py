"""Public checks of train_epoch (graded with the grader's own small model, data and optimizer)."""
from __future__ import annotations

import math
from typing import Any

from autograder.checks import Student, check


def run_epochs(student: Student, seed: int, epochs: int, count: int = 40, batch_size: int = 8,
               labelled: bool = True, lr: float = 2e-2) -> dict[str, Any]:
    """The probe's record of ``epochs`` calls of train_epoch, after checking that it trained at all."""
    result = student.probe("training_epochs", seed, epochs, count, batch_size, labelled, lr)
    for epoch in result["epochs"]:
        assert epoch["forwards"], "train_epoch never called the model on a batch"
    return result


def mean_loss_per_image(epoch: dict[str, Any]) -> float:
    """The epoch's loss per image, from the grader's own measurement of each batch."""
    return sum(f["loss"] for f in epoch["forwards"]) / sum(f["size"] for f in epoch["forwards"])


def assert_returns_mean_per_image(result: dict[str, Any]) -> None:
    epoch = result["epochs"][0]
    seen = sum(f["size"] for f in epoch["forwards"])
    assert seen == result["images"], f"the model saw {seen} images in one epoch over {result['images']}"
    value, expected = epoch["returned"]["value"], mean_loss_per_image(epoch)
    assert value is not None, f"train_epoch returned a {epoch['returned']['type']}, not a number"
    assert math.isclose(value, expected, rel_tol=1e-4), (
        f"train_epoch returned {value:.5g}; the mean loss per image over the epoch was {expected:.5g} "
        f"(ratio {value / expected:.3g})")


@check("train_epoch.returns_float", task="train_epoch", points=1,
       feedback="Add up each batch's loss as a number, loss.item(): summing the tensors keeps every batch's graph "
                "in memory, and the function must return a float.")
def returns_a_float(student):
    """Does train_epoch return a Python float (not a tensor that keeps the graph)?"""
    returned = run_epochs(student, 0, 1)["epochs"][0]["returned"]
    tracking = " that tracks gradients" if returned["requires_grad"] else ""
    assert returned["type"] in ("float", "int"), f"train_epoch returned a {returned['type']}{tracking}, not a float"


@check("train_epoch.mean_per_image", task="train_epoch", points=2,
       feedback="Return the sum of the batches' summed losses divided by the number of images seen: "
                "vae_loss is already a sum over the batch, so divide once.")
def returns_the_mean_loss_per_image(student):
    """Is the returned value the epoch's mean loss per image?"""
    assert_returns_mean_per_image(run_epochs(student, 1, 1))


@check("train_epoch.loss_goes_down", task="train_epoch", points=1,
       feedback="Each step: forward pass, vae_loss, optimizer.zero_grad(), loss.backward(), optimizer.step().")
def the_loss_goes_down(student):
    """Does the loss go down over four epochs on a small model and data?"""
    means = [mean_loss_per_image(epoch) for epoch in run_epochs(student, 2, 4)["epochs"]]
    assert means[-1] < 0.95 * means[0], (
        "the loss per image did not go down over four epochs: " + ", ".join(f"{m:.4g}" for m in means))
