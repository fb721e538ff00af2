"""Hidden checks of ConvVAE and VAE: layers, output activation, gradients and learning."""
import torch

from autograder import expect
from autograder.checks import check

SMALL = dict(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3, image_size=32)


def _layers(trace, part, kind):
    return [layer for layer in trace if layer["part"] == part and layer["type"] == kind]


def _assert_stride2_4x4(layer, what):
    assert layer["kernel_size"] == [4, 4] and layer["stride"] == [2, 2] and layer["padding"] == [1, 1], (
        f"{what} is not kernel_size=4, stride=2, padding=1")


@check("conv_vae.encoder_layers", task="ConvVAE", points=2,
       feedback="The encoder is num_layers Conv2d(kernel_size=4, stride=2, padding=1) with hidden_dim * 2**i "
                "output channels, each followed by a ReLU, then two Linear heads to latent_dim.")
def encoder_is_stride2_convs_with_relu_and_two_heads(student):
    """Is the encoder num_layers stride-2 4x4 convolutions with doubling channels and ReLUs, then two linear heads?"""
    trace = student.probe("layer_trace", "ConvVAE", SMALL, torch.rand(2, 2, 32, 32))
    convs = _layers(trace, "encoder", "Conv2d")
    assert [c["out_channels"] for c in convs] == [3, 6, 12], (
        f"encoder conv channels are {[c['out_channels'] for c in convs]}, expected [3, 6, 12]")
    assert convs[0]["in_channels"] == 2, "the first conv does not take in_channels"
    for i, conv in enumerate(convs):
        _assert_stride2_4x4(conv, f"encoder conv {i}")
    heads = _layers(trace, "encoder", "Linear")
    assert len(heads) == 2 and all(h["in_features"] == 12 * 4 * 4 and h["out_features"] == 5 for h in heads), (
        "expected two Linear heads from the flattened 4x4 feature map to latent_dim")
    fed_by_relu = convs[1:] + heads
    assert all(layer["input_min"] >= 0 for layer in fed_by_relu), "an encoder layer is not followed by a ReLU"


@check("conv_vae.decoder_layers", task="ConvVAE", points=2,
       feedback="The decoder mirrors the encoder: Linear(latent_dim, features) + ReLU, then num_layers "
                "ConvTranspose2d(kernel_size=4, stride=2, padding=1) halving the channels back to in_channels, "
                "with ReLUs between them.")
def decoder_mirrors_the_encoder(student):
    """Is the decoder a linear layer then mirrored stride-2 transposed convolutions with ReLUs between them?"""
    trace = student.probe("layer_trace", "ConvVAE", SMALL, torch.rand(2, 2, 32, 32))
    linear = _layers(trace, "decoder", "Linear")
    assert len(linear) == 1 and linear[0]["in_features"] == 5 and linear[0]["out_features"] == 12 * 4 * 4, (
        "expected one Linear from latent_dim to the 12x4x4 feature map")
    deconvs = _layers(trace, "decoder", "ConvTranspose2d")
    channels = [(d["in_channels"], d["out_channels"]) for d in deconvs]
    assert channels == [(12, 6), (6, 3), (3, 2)], f"decoder channels are {channels}, expected [(12, 6), (6, 3), (3, 2)]"
    for i, deconv in enumerate(deconvs):
        _assert_stride2_4x4(deconv, f"decoder layer {i}")
    assert all(d["input_min"] >= 0 for d in deconvs), "a decoder layer is not followed by a ReLU"


def _assert_sigmoid_output(student, name, kwargs, latent_dim):
    z = torch.randn(2, latent_dim)
    pre = torch.linspace(-15, 15, 2 * 3 * 32 * 32 if name == "ConvVAE" else 2 * 784)
    out = student.probe("decoder_output_map", name, kwargs, z, pre)
    expect.close(out.flatten(), torch.sigmoid(pre), "the output for known last-layer values", atol=1e-4)


@check("conv_vae.sigmoid_output", task="ConvVAE", points=2,
       feedback="The decoder must end with exactly one sigmoid after the last ConvTranspose2d, so values lie in "
                "[0, 1] as BCE needs: not Tanh, not ReLU, not missing, not applied twice.")
def conv_decoder_ends_in_one_sigmoid(student):
    """Is the last transposed convolution followed by exactly one sigmoid?"""
    _assert_sigmoid_output(student, "ConvVAE", dict(hidden_dim=4, latent_dim=5), 5)


@check("conv_vae.seed_size", task="ConvVAE", points=1,
       feedback="ConvVAE() with its default arguments (hidden_dim=400, latent_dim=20, num_layers=3, image_size=32) "
                "should have about 52.8 M parameters: check the channel doubling and the defaults.")
def default_model_is_the_seed_size(student):
    """Does ConvVAE() have the seed's 52.8 M parameters?"""
    count = student.probe("parameter_count", "ConvVAE", {})
    assert abs(count - 52.8e6) < 0.01 * 52.8e6, f"ConvVAE() has {count:,} parameters"


@check("conv_vae.gradients_reach_all", task="ConvVAE", points=1,
       feedback="Every parameter must get a gradient from the loss: use every layer you create in forward, and "
                "do not detach anything.")
def backward_reaches_every_parameter(student):
    """Does one backward pass of the loss reach every parameter of ConvVAE?"""
    unreached = student.probe("unreached_parameters", "ConvVAE", dict(hidden_dim=3, latent_dim=4), torch.rand(2, 3, 32, 32))
    assert not unreached, f"no gradient reaches {', '.join(unreached[:5])}"


@check("conv_vae.learns", task="ConvVAE", points=1,
       feedback="Ten Adam steps on one simple batch should lower the loss clearly: forward must return "
                "(x_hat, mu, logvar) in that order, computed with gradients (no torch.no_grad, no .detach()).")
def a_few_steps_lower_the_loss(student):
    """Do ten Adam steps on one fixed batch (dark top half, bright bottom half) lower the loss by 10 %?"""
    halves = (torch.arange(32) >= 16).float().view(1, 1, 32, 1).expand(4, 3, 32, 32).contiguous()
    losses = student.probe("training_losses", "ConvVAE", dict(hidden_dim=4, latent_dim=4), halves, 10, 1e-2)
    assert losses[-1] < 0.9 * losses[0], f"the loss went from {losses[0]:.1f} to {losses[-1]:.1f}"


@check("vae.architecture", task="VAE", points=1,
       feedback="VAE is 784 -> 400 (ReLU) -> two heads of 20, and 20 -> 400 (ReLU) -> 784: 652,824 parameters.")
def mlp_vae_is_784_400_20(student):
    """Is VAE the 784-400-20 model with ReLU hidden layers?"""
    count = student.probe("parameter_count", "VAE", {})
    assert count == 652_824, f"VAE() has {count:,} parameters, expected 652,824"
    trace = student.probe("layer_trace", "VAE", {}, torch.rand(2, 1, 28, 28))
    shapes = [(layer["in_features"], layer["out_features"]) for layer in trace if layer["type"] == "Linear"]
    assert shapes == [(784, 400), (400, 20), (400, 20), (20, 400), (400, 784)], f"the linear layers are {shapes}"
    assert all(layer["input_min"] >= 0 for layer in trace[1:3] + trace[4:]), "a hidden layer is not followed by a ReLU"


@check("vae.sigmoid_output", task="VAE", points=1,
       feedback="VAE's decoder must end with exactly one sigmoid so that values lie in [0, 1].")
def mlp_decoder_ends_in_one_sigmoid(student):
    """Is VAE's last linear layer followed by exactly one sigmoid?"""
    _assert_sigmoid_output(student, "VAE", {}, 20)


@check("vae.gradients_reach_all", task="VAE", points=1,
       feedback="Every parameter of VAE must get a gradient from the loss: use every layer in forward.")
def mlp_backward_reaches_every_parameter(student):
    """Does one backward pass reach every parameter of VAE?"""
    unreached = student.probe("unreached_parameters", "VAE", {}, torch.rand(3, 1, 28, 28))
    assert not unreached, f"no gradient reaches {', '.join(unreached[:5])}"
