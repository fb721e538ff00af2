"""Public checks of ConvVAE and VAE: shapes, layers, output activation and size on fixed settings.

The layer assertions are shared with the hidden checks, which apply them to other settings.
"""
import torch

from autograder import expect
from autograder.checks import check

CONV_CONFIGS = [  # (batch, constructor arguments)
    (2, dict(in_channels=3, hidden_dim=4, latent_dim=5, num_layers=3, image_size=32)),
    (1, dict(in_channels=1, hidden_dim=3, latent_dim=7, num_layers=2, image_size=16)),
    (3, dict(in_channels=3, hidden_dim=2, latent_dim=4, num_layers=4, image_size=64)),
]
PUBLIC_LAYERS = dict(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3, image_size=32)


def assert_model_shapes(student, name, batch, kwargs, image_shape, latent_dim):
    x = torch.rand(batch, *image_shape)
    result = student.probe("model_outputs", name, kwargs, x, torch.randn(batch, latent_dim))
    made = f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    assert result["latent_dim"] == latent_dim, f"{made}.latent_dim is {result['latent_dim']}, expected {latent_dim}"
    for key, what, shape in [("mu", "mu from encode", (batch, latent_dim)),
                             ("logvar", "logvar from encode", (batch, latent_dim)),
                             ("decoded", "decode's images", (batch, *image_shape)),
                             ("x_hat", "forward's x_hat", (batch, *image_shape)),
                             ("mu_forward", "forward's mu", (batch, latent_dim))]:
        expect.tensor(result[key], shape, f"{made}: {what} for a batch of {batch}")


def layers_of(trace, part, kind):
    return [layer for layer in trace if layer["part"] == part and layer["type"] == kind]


def assert_gaussian_heads(heads, features, latent_dim):
    """Two Linear(features, latent_dim) heads, or one fused Linear(features, 2 * latent_dim) split in halves."""
    shapes = sorted((h["in_features"], h["out_features"]) for h in heads)
    assert shapes in ([(features, latent_dim)] * 2, [(features, 2 * latent_dim)]), (
        f"the encoder's linear layers are {shapes}; expected two heads Linear({features}, {latent_dim}) "
        f"(or one Linear({features}, {2 * latent_dim}) split into mu and logvar)")


def _assert_stride2_4x4(layer, what):
    assert layer["kernel_size"] == [4, 4] and layer["stride"] == [2, 2] and layer["padding"] == [1, 1], (
        f"{what} is not kernel_size=4, stride=2, padding=1 (it has {layer['kernel_size']}, {layer['stride']}, "
        f"{layer['padding']})")


def assert_conv_encoder(trace, kwargs):
    """num_layers stride-2 4x4 convolutions with doubling channels and ReLUs, then the Gaussian heads."""
    channels = [kwargs["hidden_dim"] * 2**i for i in range(kwargs["num_layers"])]
    convs = layers_of(trace, "encoder", "Conv2d")
    assert [c["out_channels"] for c in convs] == channels, (
        f"encoder conv channels are {[c['out_channels'] for c in convs]}, expected {channels}")
    assert convs[0]["in_channels"] == kwargs["in_channels"], "the first conv does not take in_channels"
    for i, conv in enumerate(convs):
        _assert_stride2_4x4(conv, f"encoder conv {i}")
    side = kwargs["image_size"] // 2 ** kwargs["num_layers"]
    heads = layers_of(trace, "encoder", "Linear")
    assert_gaussian_heads(heads, channels[-1] * side * side, kwargs["latent_dim"])
    assert all(layer["input_min"] >= 0 for layer in convs[1:] + heads), "an encoder layer is not followed by a ReLU"


def assert_conv_decoder(trace, kwargs):
    """A linear layer and ReLU, then mirrored stride-2 4x4 transposed convolutions with ReLUs between them."""
    channels = [kwargs["hidden_dim"] * 2**i for i in range(kwargs["num_layers"])]
    side = kwargs["image_size"] // 2 ** kwargs["num_layers"]
    features = channels[-1] * side * side
    linear = layers_of(trace, "decoder", "Linear")
    assert [(lin["in_features"], lin["out_features"]) for lin in linear] == [(kwargs["latent_dim"], features)], (
        f"expected one Linear({kwargs['latent_dim']}, {features}) from z to the {channels[-1]}x{side}x{side} feature map")
    expected = list(zip(channels[::-1], channels[-2::-1] + [kwargs["in_channels"]]))
    deconvs = layers_of(trace, "decoder", "ConvTranspose2d")
    got = [(d["in_channels"], d["out_channels"]) for d in deconvs]
    assert got == expected, f"decoder channels are {got}, expected {expected}"
    for i, deconv in enumerate(deconvs):
        _assert_stride2_4x4(deconv, f"decoder layer {i}")
    assert all(d["input_min"] >= 0 for d in deconvs), "a decoder layer is not fed by a ReLU"


def assert_sigmoid_output(student, name, kwargs, latent_dim, pixels):
    """decode, with known values in place of the last layer's output, returns exactly their sigmoid."""
    z = torch.randn(2, latent_dim)
    pre = torch.linspace(-15, 15, 2 * pixels)
    out = student.probe("decoder_output_map", name, kwargs, z, pre)
    assert float(out.min()) >= 0 and float(out.max()) <= 1, (
        f"decode returns values from {float(out.min()):.3g} to {float(out.max()):.3g}, outside [0, 1]")
    expect.close(out.flatten(), torch.sigmoid(pre), "the output for known last-layer values", atol=1e-4)


def assert_mlp_vae_layers(trace):
    shapes = [(layer["in_features"], layer["out_features"]) for layer in trace if layer["type"] == "Linear"]
    encoder = [(i, o) for (i, o), layer in zip(shapes, trace) if layer["part"] == "encoder"]
    decoder = [(i, o) for (i, o), layer in zip(shapes, trace) if layer["part"] == "decoder"]
    assert encoder[:1] == [(784, 400)], f"the encoder's first layer is {encoder[:1]}, expected Linear(784, 400)"
    assert_gaussian_heads([{"in_features": i, "out_features": o} for i, o in encoder[1:]], 400, 20)
    assert decoder == [(20, 400), (400, 784)], f"the decoder's layers are {decoder}, expected 20 -> 400 -> 784"
    fed = [layer for part in ("encoder", "decoder") for layer in [t for t in trace if t["part"] == part][1:]]
    assert all(layer["input_min"] >= 0 for layer in fed), "a hidden layer is not followed by a ReLU"


@check("conv_vae.shapes", task="ConvVAE", points=2,
       feedback="encode must return (mu, logvar) of shape (B, latent_dim), decode and forward images of the input's "
                "shape: compute the feature-map size from image_size // 2**num_layers and never hard-code the "
                "batch size (x.flatten(1), z.view(len(z), ...)).")
def conv_vae_returns_the_contract_shapes(student):
    """For several batch, layer, size and channel settings, do encode, decode and forward return the right shapes?"""
    for batch, kwargs in CONV_CONFIGS:
        size = kwargs["image_size"]
        assert_model_shapes(student, "ConvVAE", batch, kwargs, (kwargs["in_channels"], size, size), kwargs["latent_dim"])


@check("conv_vae.layers", task="ConvVAE", points=2,
       feedback="The encoder is num_layers Conv2d(kernel_size=4, stride=2, padding=1) with hidden_dim * 2**i output "
                "channels, each followed by a ReLU, then the mu and logvar heads; the decoder mirrors it: "
                "Linear(latent_dim, features) + ReLU, then ConvTranspose2d(kernel_size=4, stride=2, padding=1) "
                "halving the channels back to in_channels, with ReLUs between them.")
def conv_layers_follow_the_description(student):
    """For ConvVAE(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3), are the layers, sizes and ReLUs as described?"""
    trace = student.probe("layer_trace", "ConvVAE", PUBLIC_LAYERS, torch.rand(2, 2, 32, 32))
    assert_conv_encoder(trace, PUBLIC_LAYERS)
    assert_conv_decoder(trace, PUBLIC_LAYERS)


@check("conv_vae.ends_in_sigmoid", task="ConvVAE", points=1,
       feedback="The decoder must end with exactly one sigmoid after the last ConvTranspose2d, so values lie in "
                "[0, 1] as BCE needs: not Tanh, not ReLU, not missing, not applied twice.")
def conv_decoder_output_is_one_sigmoid(student):
    """Is ConvVAE's last transposed convolution followed by exactly one sigmoid (outputs in [0, 1])?"""
    assert_sigmoid_output(student, "ConvVAE", dict(hidden_dim=4, latent_dim=5), 5, 3 * 32 * 32)


@check("conv_vae.seed_size", task="ConvVAE", points=1,
       feedback="ConvVAE() with its default arguments (hidden_dim=400, latent_dim=20, num_layers=3, image_size=32) "
                "should have about 52.8 M parameters: check the channel doubling and the defaults.")
def default_model_is_the_seed_size(student):
    """Does ConvVAE() have the seed's 52.8 M parameters?"""
    count = student.probe("parameter_count", "ConvVAE", {})
    assert abs(count - 52.8e6) < 0.01 * 52.8e6, f"ConvVAE() has {count:,} parameters"


@check("conv_vae.every_layer_learns", task="ConvVAE", points=1,
       feedback="Every parameter must get a gradient from the loss: use every layer you create (both heads) in "
                "forward, and do not detach anything or run it under torch.no_grad().")
def conv_backward_reaches_every_parameter(student):
    """For ConvVAE(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3), does one backward pass reach every parameter?"""
    unreached = student.probe("unreached_parameters", "ConvVAE", PUBLIC_LAYERS, torch.rand(2, 2, 32, 32))
    assert not unreached, f"no gradient reaches {', '.join(unreached[:5])}"


@check("vae.shapes", task="VAE", points=1,
       feedback="VAE.encode takes images (B, 1, 28, 28) (flatten them) and returns (mu, logvar) of shape (B, 20); "
                "decode and forward return images (B, 1, 28, 28).")
def mlp_vae_returns_the_contract_shapes(student):
    """Do VAE's encode, decode and forward return the right shapes for batches of 1 and 5?"""
    for batch in (1, 5):
        assert_model_shapes(student, "VAE", batch, {}, (1, 28, 28), 20)


@check("vae.image_shape", task="VAE", points=1,
       feedback="VAE(image_shape=(C, H, W)) is a model of C*H*W pixels: encode flattens (B, C, H, W) and decode "
                "returns (B, C, H, W); the comparison trains VAE(image_shape=(3, 32, 32)) on CIFAR-10.")
def mlp_vae_honours_image_shape(student):
    """Does VAE(image_shape=(3, 32, 32), hidden_dim=64, latent_dim=8) take and return (B, 3, 32, 32) images?"""
    assert_model_shapes(student, "VAE", 3, {"image_shape": (3, 32, 32), "hidden_dim": 64, "latent_dim": 8},
                        (3, 32, 32), 8)


@check("vae.architecture", task="VAE", points=1,
       feedback="VAE is 784 -> 400 (ReLU) -> mu and logvar heads of 20, and 20 -> 400 (ReLU) -> 784: 652,824 "
                "parameters.")
def mlp_vae_is_784_400_20(student):
    """Is VAE the 784-400-20 model with ReLU hidden layers and 652,824 parameters?"""
    count = student.probe("parameter_count", "VAE", {})
    assert count == 652_824, f"VAE() has {count:,} parameters, expected 652,824"
    assert_mlp_vae_layers(student.probe("layer_trace", "VAE", {}, torch.rand(2, 1, 28, 28)))


@check("vae.ends_in_sigmoid", task="VAE", points=1,
       feedback="VAE's decoder must end with exactly one sigmoid so that values lie in [0, 1].")
def mlp_decoder_output_is_one_sigmoid(student):
    """Is VAE's last linear layer followed by exactly one sigmoid (outputs in [0, 1])?"""
    assert_sigmoid_output(student, "VAE", {}, 20, 784)


@check("vae.every_layer_learns", task="VAE", points=1,
       feedback="Every parameter of VAE must get a gradient from the loss: use every layer (both heads) in forward.")
def mlp_backward_reaches_every_parameter(student):
    """Does one backward pass on a batch of two reach every parameter of VAE?"""
    unreached = student.probe("unreached_parameters", "VAE", {}, torch.rand(2, 1, 28, 28))
    assert not unreached, f"no gradient reaches {', '.join(unreached[:5])}"
