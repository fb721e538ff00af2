"""Hidden checks of ConvVAE and VAE: the public properties on other settings, gradients and learning."""
import torch

from autograder.checks import check
from autograder.checks.models import assert_conv_decoder, assert_conv_encoder, assert_sigmoid_output

OTHER = dict(in_channels=1, hidden_dim=2, latent_dim=6, num_layers=4, image_size=64)


@check("conv_vae.encoder_layers", task="ConvVAE", points=1,
       feedback="The encoder is num_layers Conv2d(kernel_size=4, stride=2, padding=1) with hidden_dim * 2**i "
                "output channels, each followed by a ReLU, then the mu and logvar heads to latent_dim, for any "
                "in_channels, num_layers and image_size.")
def encoder_is_stride2_convs_with_relu_and_two_heads(student):
    """For other settings, is the encoder num_layers stride-2 4x4 convolutions with doubling channels and ReLUs, then the heads?"""
    trace = student.probe("layer_trace", "ConvVAE", OTHER, torch.rand(2, 1, 64, 64))
    assert_conv_encoder(trace, OTHER)


@check("conv_vae.decoder_layers", task="ConvVAE", points=1,
       feedback="The decoder mirrors the encoder for any settings: Linear(latent_dim, features) + ReLU, then "
                "num_layers ConvTranspose2d(kernel_size=4, stride=2, padding=1) halving the channels back to "
                "in_channels, with ReLUs between them.")
def decoder_mirrors_the_encoder(student):
    """For other settings, is the decoder a linear layer then mirrored stride-2 transposed convolutions with ReLUs?"""
    trace = student.probe("layer_trace", "ConvVAE", OTHER, torch.rand(2, 1, 64, 64))
    assert_conv_decoder(trace, OTHER)


@check("conv_vae.sigmoid_output", task="ConvVAE", points=1,
       feedback="The decoder must end with exactly one sigmoid after the last ConvTranspose2d for any settings.")
def conv_decoder_ends_in_one_sigmoid(student):
    """For one input channel and two layers, is the last transposed convolution followed by exactly one sigmoid?"""
    kwargs = dict(in_channels=1, hidden_dim=3, latent_dim=4, num_layers=2, image_size=16)
    assert_sigmoid_output(student, "ConvVAE", kwargs, 4, 16 * 16)


@check("conv_vae.gradients_reach_all", task="ConvVAE", points=1,
       feedback="Every parameter must get a gradient: use every layer you create in forward, and "
                "do not detach anything.")
def backward_reaches_every_parameter(student):
    """Does one backward pass reach every parameter of ConvVAE?"""
    unreached = student.probe("unreached_parameters", "ConvVAE", dict(hidden_dim=3, latent_dim=4), torch.rand(2, 3, 32, 32))
    assert not unreached, f"no gradient reaches {', '.join(unreached[:5])}"


@check("conv_vae.learns", task="ConvVAE", points=1,
       feedback="Thirty Adam steps on one simple batch should halve the loss: forward must return "
                "(x_hat, mu, logvar) in that order, computed with gradients (no torch.no_grad, no .detach()).")
def a_few_steps_lower_the_loss(student):
    """Do thirty Adam steps on one fixed batch (dark top half, bright bottom half) halve the loss?"""
    halves = (torch.arange(32) >= 16).float().view(1, 1, 32, 1).expand(4, 3, 32, 32).contiguous()
    losses = student.probe("training_losses", "ConvVAE", dict(hidden_dim=4, latent_dim=4), halves, 30, 1e-2)
    assert losses[-1] < 0.5 * losses[0], f"the loss went from {losses[0]:.1f} to {losses[-1]:.1f}"


@check("vae.gradients_reach_all", task="VAE", points=1,
       feedback="Every parameter of VAE must get a gradient: use every layer in forward.")
def mlp_backward_reaches_every_parameter(student):
    """For a batch of three, does one backward pass reach every parameter of VAE?"""
    unreached = student.probe("unreached_parameters", "VAE", {}, torch.rand(3, 1, 28, 28))
    assert not unreached, f"no gradient reaches {', '.join(unreached[:5])}"
