"""Hidden checks of train_epoch: each compares the student's epochs with the grader's replay of the correct ones,
and records what the public checks compare with."""
from __future__ import annotations

from typing import Any

from autograder.framework.registry import check
from autograder.checks.train_epoch import (MEAN_PER_IMAGE, RETURNS_FLOAT, WEIGHT_UPDATES, expect_losses,
                                           expect_weights, run_epochs)
from autograder.hidden.recordings import recording
from autograder.hidden.replay import replay
from autograder.sandbox.loop_harness import Scenario

ARRIVES_IN_EVAL = Scenario(seed=3, epochs=2, count=6, batch_size=1, lr=0.0, arrives_in_eval=True)
FRESH_GRADIENTS = Scenario(seed=4, epochs=2)
HOST_BATCHES = Scenario(seed=5, count=6, batch_size=1, lr=0.0, host_batches=True)
IMAGES_ONLY = Scenario(seed=6, lr=0.0, labelled=False)


@recording("train_epoch.returns_float")
def _returns_float() -> dict[str, Any]:
    return replay(RETURNS_FLOAT)


@recording("train_epoch.mean_per_image")
def _mean_per_image() -> dict[str, Any]:
    return replay(MEAN_PER_IMAGE)


@recording("train_epoch.weight_updates")
def _weight_updates() -> dict[str, Any]:
    return replay(WEIGHT_UPDATES)


@check("train_epoch.train_mode", part="train_epoch", points=1,
       feedback="Call model.train() at the start of train_epoch: the evaluation after each epoch leaves the "
                "model in eval mode.")
def trains_in_training_mode(student):
    """Are the losses those of forward passes in training mode, although the model arrives in eval mode?"""
    expect_losses(run_epochs(student, ARRIVES_IN_EVAL), replay(ARRIVES_IN_EVAL), "training",
                  "forward passes ran in eval mode")


@check("train_epoch.fresh_gradients", part="train_epoch", points=2,
       feedback="Call optimizer.zero_grad() in every step, before loss.backward(): otherwise the gradients of "
                "earlier batches add up.")
def steps_on_each_batchs_own_gradient(student):
    """Does each optimizer step use the gradient of its own batch, and only that (the weights match the replay)?"""
    expect_weights(run_epochs(student, FRESH_GRADIENTS), replay(FRESH_GRADIENTS), FRESH_GRADIENTS)


@check("train_epoch.device", part="train_epoch", points=1,
       feedback="Move each batch to the device given: x = x.to(device).")
def moves_each_batch_to_the_device(student):
    """Is every batch moved to the device passed in (its losses are those of moved batches)?"""
    expect_losses(run_epochs(student, HOST_BATCHES), replay(HOST_BATCHES), "moved", "batches reached the model unmoved")


@check("train_epoch.image_batches", part="train_epoch", points=1,
       feedback="A face loader yields batches of images, not (images, labels) pairs: take batch[0] only when the "
                "batch is a tuple or list.")
def trains_on_batches_without_labels(student):
    """Does it also train on a loader whose batches are images only (like the faces)?"""
    expect_losses(run_epochs(student, IMAGES_ONLY), replay(IMAGES_ONLY))
