"""Hidden checks of train_epoch."""
from __future__ import annotations

from autograder.checks import check
from autograder.checks.train_epoch import assert_returns_mean_per_image, run_epochs

GRADIENT_RESIDUAL = 1e-3  # float32 noise is around 1e-6; gradients left over from one batch are far above


@check("train_epoch.train_mode", task="train_epoch", points=1,
       feedback="Call model.train() at the start of train_epoch: the evaluation after each epoch leaves the "
                "model in eval mode.")
def trains_in_training_mode(student):
    """Is every forward pass in training mode, although the model arrives in eval mode?"""
    epochs = run_epochs(student, 3, 2)["epochs"]
    modes = [f["training"] for epoch in epochs for f in epoch["forwards"]]
    assert all(modes), f"{modes.count(False)} of {len(modes)} forward passes ran in eval mode"


@check("train_epoch.fresh_gradients", task="train_epoch", points=2,
       feedback="Call optimizer.zero_grad() in every step, before loss.backward(): otherwise the gradients of "
                "earlier batches add up.")
def steps_on_each_batchs_own_gradient(student):
    """Does each optimizer step use the gradient of its own batch, and only that?"""
    epochs = run_epochs(student, 4, 2)["epochs"]
    fits = [fit for epoch in epochs for fit in epoch["fits"]]
    batches = sum(len(epoch["forwards"]) for epoch in epochs)
    assert len(fits) == batches, f"the optimizer stepped {len(fits)} times for {batches} batches"
    for step, (scale, residual) in enumerate(fits, 1):
        assert residual is not None, f"at optimizer step {step} the model had no gradient (call loss.backward())"
        assert scale > 0 and residual < GRADIENT_RESIDUAL, (
            f"at optimizer step {step} the gradient is not that batch's own (off by {residual:.2g} relative): "
            "gradients of earlier batches were not cleared")


@check("train_epoch.device", task="train_epoch", points=1,
       feedback="Move each batch to the device given: x = x.to(device).")
def moves_each_batch_to_the_device(student):
    """Is every batch moved to the device passed in?"""
    result = run_epochs(student, 5, 1)
    targets = [f["moved_to"] for f in result["epochs"][0]["forwards"]]
    assert all(t == result["device"] for t in targets), (
        f"{sum(t != result['device'] for t in targets)} of {len(targets)} batches reached the model without "
        f".to(device)")


@check("train_epoch.image_batches", task="train_epoch", points=1,
       feedback="A face loader yields batches of images, not (images, labels) pairs: take batch[0] only when the "
                "batch is a tuple or list.")
def trains_on_batches_without_labels(student):
    """Does it also train on a loader whose batches are images only (like the faces)?"""
    assert_returns_mean_per_image(run_epochs(student, 6, 1, labelled=False))
