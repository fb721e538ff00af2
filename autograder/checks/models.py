"""Public checks of ConvVAE and VAE: shapes, layers, output activation, size and gradients on fixed settings.

Every verdict rests on recomputation: the grader sets every parameter of the student's model
(``model_roles``), runs its ``encode``, ``decode`` and ``forward`` on grader-chosen inputs, and
compares what they return with what the specified architecture computes from the same values.
These public checks compare with values recorded from the grader's specification for their published
inputs (``autograder.assignment.recorded``), and the grader computes them live for its own inputs
(``framework.seeds``); the hidden checks ask the same of other settings.
"""
from __future__ import annotations

from autograder.framework.registry import CHECK_SECONDS, check
from autograder.framework.model_runs import Run, assert_agrees, assert_gradients
from autograder.assignment.recorded import recorded

CONV_CONFIGS = [  # (batch, constructor arguments)
    (2, dict(in_channels=3, hidden_dim=4, latent_dim=5, num_layers=3, image_size=32)),
    (1, dict(in_channels=1, hidden_dim=3, latent_dim=7, num_layers=2, image_size=16)),
    (3, dict(in_channels=3, hidden_dim=2, latent_dim=4, num_layers=4, image_size=64)),
]
PUBLIC_LAYERS = dict(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3, image_size=32)

# The shape and size checks give the heads zero weights (mu and logvar are then their biases): they
# depend on the heads' and the decoder's layers only, and leave the encoder's convolutions to the layer checks.
HEADS, HEADS_AND_DECODER = ("mu", "logvar"), ("heads", "decoder")
CONV_SHAPES = [Run("ConvVAE", kwargs, batch, (101,), HEADS_AND_DECODER, HEADS) for batch, kwargs in CONV_CONFIGS]
CONV_LAYERS = {"encoder": Run("ConvVAE", PUBLIC_LAYERS, 2, (102, 103), ("encoder", "heads")),
               "decoder": Run("ConvVAE", PUBLIC_LAYERS, 2, (102, 103), ("decoder",))}
CONV_SIGMOID = Run("ConvVAE", dict(hidden_dim=4, latent_dim=5), 2, (104,), ("decoder",))
# ConvVAE()'s first transposed convolution gets zero weights too: drawing its 20.5 M values would take seconds.
CONV_DEFAULT = Run("ConvVAE", {}, 1, (105,), HEADS_AND_DECODER, HEADS + ("deconv0",))  # decode only, below
CONV_GRADIENTS = Run("ConvVAE", PUBLIC_LAYERS, 2, (106,))
SMALL_VAE = {"hidden_dim": 32}  # the hidden layer's default is the architecture check's business
VAE_SHAPES = [Run("VAE", SMALL_VAE, batch, (111,), HEADS_AND_DECODER, HEADS) for batch in (1, 5)]
VAE_IMAGE_SHAPE = Run("VAE", {"image_shape": (3, 32, 32), "hidden_dim": 64, "latent_dim": 8}, 3, (112,),
                      HEADS_AND_DECODER, HEADS)
VAE_ARCHITECTURE = Run("VAE", {}, 2, (113, 114))
VAE_SIGMOID = Run("VAE", SMALL_VAE, 2, (115,), ("decoder",))
VAE_GRADIENTS = Run("VAE", SMALL_VAE, 2, (116,))
ENCODE_DECODE = ("mu", "logvar", "decoded")


@check("conv_vae.shapes", part="ConvVAE", points=2,
       feedback="encode must return (mu, logvar) of shape (B, latent_dim), decode and forward images of the input's "
                "shape: compute the feature-map size from image_size // 2**num_layers and never hard-code the "
                "batch size (x.flatten(1), z.view(len(z), ...)).")
def conv_vae_returns_the_contract_shapes(student):
    """For several batch, layer, size and channel settings, do encode, decode and forward return the right shapes?"""
    for run, expected in zip(CONV_SHAPES, recorded("conv_vae.shapes"), strict=True):
        assert_agrees(student, run, expected, strict=True)


@check("conv_vae.layers", part="ConvVAE", points=2,
       feedback="The encoder is num_layers Conv2d(kernel_size=4, stride=2, padding=1) with hidden_dim * 2**i output "
                "channels, each followed by a ReLU, then the mu and logvar heads; the decoder mirrors it: "
                "Linear(latent_dim, features) + ReLU, then ConvTranspose2d(kernel_size=4, stride=2, padding=1) "
                "halving the channels back to in_channels, with ReLUs between them.")
def conv_layers_follow_the_description(student):
    """For ConvVAE(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3), are the layers and ReLUs as described?"""
    expected = recorded("conv_vae.layers")
    assert_agrees(student, CONV_LAYERS["encoder"], expected["encoder"], ("mu", "logvar"))
    assert_agrees(student, CONV_LAYERS["decoder"], expected["decoder"], ("decoded",))


@check("conv_vae.ends_in_sigmoid", part="ConvVAE", points=1,
       feedback="The decoder must end with exactly one sigmoid after the last ConvTranspose2d, so values lie in "
                "[0, 1] as BCE needs: not Tanh, not ReLU, not missing, not applied twice.")
def conv_decoder_output_is_one_sigmoid(student):
    """Is each of ConvVAE's output values the sigmoid of what its last transposed convolution computes?"""
    assert_agrees(student, CONV_SIGMOID, recorded("conv_vae.ends_in_sigmoid"), ("decoded",), "sigmoid")


@check("conv_vae.default_size", part="ConvVAE", points=1, seconds=2 * CHECK_SECONDS,  # 52.8 M values to set
       feedback="ConvVAE() with its default arguments (hidden_dim=400, latent_dim=20, num_layers=3, image_size=32) "
                "should have about 52.8 M parameters: check the channel doubling and the defaults.")
def default_model_has_the_assignments_size(student):
    """Is ConvVAE() the described model at the original assignment's size (about 52.8 M parameters)?"""
    assert_agrees(student, CONV_DEFAULT, recorded("conv_vae.default_size"), ("decoded",))  # encode's convolutions: time


@check("conv_vae.every_layer_learns", part="ConvVAE", points=1,
       feedback="Every parameter must get a gradient from the loss: use every layer you create (both heads) in "
                "forward, and do not detach anything or run it under torch.no_grad().")
def conv_backward_reaches_every_parameter(student):
    """For ConvVAE(in_channels=2, hidden_dim=3, latent_dim=5, num_layers=3), does backward reach every parameter?"""
    assert_gradients(student, CONV_GRADIENTS, recorded("conv_vae.every_layer_learns"))


@check("vae.shapes", part="VAE", points=1,
       feedback="VAE.encode takes images (B, 1, 28, 28) (flatten them) and returns (mu, logvar) of shape (B, 20); "
                "decode and forward return images (B, 1, 28, 28).")
def mlp_vae_returns_the_contract_shapes(student):
    """Do VAE's encode, decode and forward return the right shapes (and values) for batches of 1 and 5?"""
    for run, expected in zip(VAE_SHAPES, recorded("vae.shapes"), strict=True):
        assert_agrees(student, run, expected, strict=True)


@check("vae.image_shape", part="VAE", points=1,
       feedback="VAE(image_shape=(C, H, W)) is a model of C*H*W pixels: encode flattens (B, C, H, W) and decode "
                "returns (B, C, H, W); the comparison trains VAE(image_shape=(3, 32, 32)) on CIFAR-10.")
def mlp_vae_honours_image_shape(student):
    """Does VAE(image_shape=(3, 32, 32), hidden_dim=64, latent_dim=8) take and return (B, 3, 32, 32) images?"""
    assert_agrees(student, VAE_IMAGE_SHAPE, recorded("vae.image_shape"), strict=True)


@check("vae.architecture", part="VAE", points=1,
       feedback="VAE is 784 -> 400 (ReLU) -> mu and logvar heads of 20, and 20 -> 400 (ReLU) -> 784: 652,824 "
                "parameters.")
def mlp_vae_is_784_400_20(student):
    """Is VAE the 784-400-20 model with ReLU hidden layers and 652,824 parameters?"""
    assert_agrees(student, VAE_ARCHITECTURE, recorded("vae.architecture"), ENCODE_DECODE)


@check("vae.ends_in_sigmoid", part="VAE", points=1,
       feedback="VAE's decoder must end with exactly one sigmoid so that values lie in [0, 1].")
def mlp_decoder_output_is_one_sigmoid(student):
    """Is each of VAE's output values the sigmoid of what its last linear layer computes?"""
    assert_agrees(student, VAE_SIGMOID, recorded("vae.ends_in_sigmoid"), ("decoded",), "sigmoid")


@check("vae.every_layer_learns", part="VAE", points=1,
       feedback="Every parameter of VAE must get a gradient from the loss: use every layer (both heads) in forward.")
def mlp_backward_reaches_every_parameter(student):
    """Does one backward pass on a batch of two give every parameter of VAE the right gradient?"""
    assert_gradients(student, VAE_GRADIENTS, recorded("vae.every_layer_learns"))
