"""Hidden checks of ConvVAE and VAE: the public properties on other settings, gradients and learning.

Each compares the student's model, with parameter values the grader chose, against the grader's
own specification (``architectures``) computed here from the same values. The recordings below
are what the public checks compare with, computed by the same specification.
"""
from __future__ import annotations

from typing import Any

import torch

from autograder.framework.registry import CHECK_SECONDS, check
from autograder.checks import models as public
from autograder.hidden import architectures as spec
from autograder.hidden.recordings import recording
from autograder.framework.model_roles import role_values
from autograder.framework.model_runs import Run, assert_agrees, assert_gradients, candidates, gradient_summary, run_role

OTHER = dict(in_channels=1, hidden_dim=2, latent_dim=6, num_layers=4, image_size=64)
ENCODER = Run("ConvVAE", OTHER, 2, (201, 202), ("encoder", "heads"))
DECODER = Run("ConvVAE", OTHER, 2, (203, 204), ("decoder",))
SIGMOID = Run("ConvVAE", dict(in_channels=1, hidden_dim=3, latent_dim=4, num_layers=2, image_size=16), 2, (205,),
              ("decoder",))
GRADIENTS = Run("ConvVAE", dict(hidden_dim=3, latent_dim=4), 2, (206,))
LEARNS = Run("ConvVAE", dict(hidden_dim=4, latent_dim=4, num_layers=2, image_size=16), 4, (207,))
VAE_GRADIENTS = Run("VAE", {"hidden_dim": 24, "latent_dim": 6}, 3, (208,))
STEPS, LR, EPS = 5, 1e-2, 1e-3  # Adam's eps well above float32 noise, so rounding never flips a step


def expected(run: Run) -> list[dict[str, torch.Tensor]]:
    """Per seed, what the specification computes with that seed's values."""
    return [spec.outputs(run.name, run.kwargs, role_values(run.roles(every=True), seed, run.zeroed), run.x, run.z)
            for seed in run.value_seeds]


def expected_gradients(run: Run) -> list[dict[str, Any]]:
    """Per seed, the specification's outputs and a summary of its gradients of sum(cotangent * output)."""
    found = []
    for seed, outputs_ in zip(run.value_seeds, expected(run)):
        values = role_values(run.roles(every=True), seed, run.zeroed)
        found.append({**outputs_, "gradients": gradient_summary(spec.vjp(run.name, run.kwargs, values, run.x,
                                                                         run.cotangents))})
    return found


@recording("conv_vae.shapes")
def _conv_shapes() -> list[list[dict[str, torch.Tensor]]]:
    return [expected(run) for run in public.CONV_SHAPES]


@recording("conv_vae.layers")
def _conv_layers() -> dict[str, list[dict[str, torch.Tensor]]]:
    return {part: expected(run) for part, run in public.CONV_LAYERS.items()}


@recording("conv_vae.ends_in_sigmoid")
def _conv_sigmoid() -> list[dict[str, torch.Tensor]]:
    return expected(public.CONV_SIGMOID)


@recording("conv_vae.default_size")
def _conv_default() -> list[dict[str, torch.Tensor]]:
    return expected(public.CONV_DEFAULT)


@recording("conv_vae.every_layer_learns")
def _conv_gradients() -> list[dict[str, Any]]:
    return expected_gradients(public.CONV_GRADIENTS)


@recording("vae.shapes")
def _vae_shapes() -> list[list[dict[str, torch.Tensor]]]:
    return [expected(run) for run in public.VAE_SHAPES]


@recording("vae.image_shape")
def _vae_image_shape() -> list[dict[str, torch.Tensor]]:
    return expected(public.VAE_IMAGE_SHAPE)


@recording("vae.architecture")
def _vae_architecture() -> list[dict[str, torch.Tensor]]:
    return expected(public.VAE_ARCHITECTURE)


@recording("vae.ends_in_sigmoid")
def _vae_sigmoid() -> list[dict[str, torch.Tensor]]:
    return expected(public.VAE_SIGMOID)


@recording("vae.every_layer_learns")
def _vae_gradients() -> list[dict[str, Any]]:
    return expected_gradients(public.VAE_GRADIENTS)


@check("conv_vae.encoder_layers", part="ConvVAE", points=1,
       feedback="The encoder is num_layers Conv2d(kernel_size=4, stride=2, padding=1) with hidden_dim * 2**i "
                "output channels, each followed by a ReLU, then the mu and logvar heads to latent_dim, for any "
                "in_channels, num_layers and image_size.")
def encoder_is_stride2_convs_with_relu_and_two_heads(student):
    """For other settings, is the encoder num_layers stride-2 4x4 convolutions with doubling channels and ReLUs, then the heads?"""
    assert_agrees(student, ENCODER, expected(ENCODER), ("mu", "logvar"))


@check("conv_vae.decoder_layers", part="ConvVAE", points=1,
       feedback="The decoder mirrors the encoder for any settings: Linear(latent_dim, features) + ReLU, then "
                "num_layers ConvTranspose2d(kernel_size=4, stride=2, padding=1) halving the channels back to "
                "in_channels, with ReLUs between them.")
def decoder_mirrors_the_encoder(student):
    """For other settings, is the decoder a linear layer then mirrored stride-2 transposed convolutions with ReLUs?"""
    assert_agrees(student, DECODER, expected(DECODER), ("decoded",))


@check("conv_vae.one_sigmoid_small_model", part="ConvVAE", points=1,
       feedback="The decoder must end with exactly one sigmoid after the last ConvTranspose2d for any settings.")
def conv_decoder_ends_in_one_sigmoid(student):
    """For one input channel and two layers, is the last transposed convolution followed by exactly one sigmoid?"""
    assert_agrees(student, SIGMOID, expected(SIGMOID), ("decoded",), "sigmoid")


@check("conv_vae.gradients_other_model", part="ConvVAE", points=1, seconds=2 * CHECK_SECONDS,  # two backward passes
       feedback="Every parameter must get a gradient: use every layer you create in forward, and "
                "do not detach anything.")
def backward_reaches_every_parameter(student):
    """Does one backward pass give every parameter of ConvVAE the gradient of the described model?"""
    assert_gradients(student, GRADIENTS, expected_gradients(GRADIENTS))


@check("conv_vae.learns", part="ConvVAE", points=1, seconds=3 * CHECK_SECONDS,  # Adam steps, then replayed
       feedback="Five Adam steps on one batch must train the model as they train the described one: forward must "
                "return (x_hat, mu, logvar) in that order, computed with gradients (no torch.no_grad, no .detach()).")
def a_few_steps_train_it_as_described(student):
    """From the grader's weights, do five Adam steps on one batch end where they end for the described model?"""
    found = candidates(student, LEARNS)
    start = role_values(LEARNS.roles(), LEARNS.value_seeds[0])
    replayed, losses = spec.adam_replay(LEARNS.name, LEARNS.kwargs, start, LEARNS.x, STEPS, LR, EPS)
    problem = "no layout of its layers could be trained"
    for candidate in found:
        trained = student.probe("model_training", LEARNS.name, LEARNS.kwargs,
                                candidate.recipes(LEARNS.roles(), LEARNS.value_seeds[0]), LEARNS.x, STEPS, LR, EPS)
        problem = _training_mismatch(candidate.by_role(trained["parameters"]), trained["losses"], start, replayed,
                                     losses)
        if problem is None:
            return
    raise AssertionError(f"{LEARNS.made}: {problem}")


def _training_mismatch(got: dict[str, dict[str, Any]], got_losses: Any, start: spec.Values, replayed: spec.Values,
                       losses: list[float]) -> str | None:
    """Why the student's training run differs from the replay, or None."""
    if not isinstance(got_losses, list) or len(got_losses) != len(losses):
        return "the training run did not report one loss per step"
    for mine, theirs in zip(got_losses, losses):
        if not isinstance(mine, float) or abs(mine - theirs) > 1e-3 * abs(theirs) + 1e-4:
            return (f"the losses went {got_losses[0]:.4g} ... {got_losses[-1]:.4g}, "
                    f"expected {losses[0]:.4g} ... {losses[-1]:.4g}")
    for key, layer in replayed.items():
        for leaf, final in layer.items():
            value = got[key][leaf]
            moved = float((final - start[key][leaf]).norm())
            if not isinstance(value, torch.Tensor) or value.shape != final.shape or (
                    float((value.double() - final.double()).norm()) > 1e-2 * moved + 1e-6):
                return f"{run_role(LEARNS, key)}'s {leaf} ended elsewhere than the described model's"
    return None


@check("vae.gradients_batch_of_three", part="VAE", points=1,
       feedback="Every parameter of VAE must get a gradient: use every layer in forward.")
def mlp_backward_reaches_every_parameter(student):
    """For a batch of three, does one backward pass give every parameter of VAE the gradient of the described model?"""
    assert_gradients(student, VAE_GRADIENTS, expected_gradients(VAE_GRADIENTS))
