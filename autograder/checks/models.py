"""Public checks of ConvVAE and VAE: the shapes of what they return."""
import torch

from autograder import expect
from autograder.checks import check

CONV_CONFIGS = [  # (batch, constructor arguments)
    (2, dict(in_channels=3, hidden_dim=4, latent_dim=5, num_layers=3, image_size=32)),
    (1, dict(in_channels=1, hidden_dim=3, latent_dim=7, num_layers=2, image_size=16)),
    (3, dict(in_channels=3, hidden_dim=2, latent_dim=4, num_layers=4, image_size=64)),
]


def assert_model_shapes(student, name, batch, kwargs, image_shape, latent_dim):
    x = torch.rand(batch, *image_shape)
    result = student.probe("model_outputs", name, kwargs, x, torch.randn(batch, latent_dim))
    assert result["latent_dim"] == latent_dim, f"{name}(...).latent_dim is {result['latent_dim']}, expected {latent_dim}"
    for key, shape in [("mu", (batch, latent_dim)), ("logvar", (batch, latent_dim)),
                       ("decoded", (batch, *image_shape)), ("x_hat", (batch, *image_shape)),
                       ("mu_forward", (batch, latent_dim))]:
        expect.tensor(result[key], shape, f"{key} for a batch of {batch} with {kwargs}")


@check("conv_vae.shapes", task="ConvVAE", points=3,
       feedback="encode must return (mu, logvar) of shape (B, latent_dim), decode and forward images of the input's "
                "shape: compute the feature-map size from image_size // 2**num_layers and never hard-code the "
                "batch size (x.flatten(1), z.view(len(z), ...)).")
def conv_vae_returns_the_contract_shapes(student):
    """For several batch, layer, size and channel settings, do encode, decode and forward return the right shapes?"""
    for batch, kwargs in CONV_CONFIGS:
        size = kwargs["image_size"]
        assert_model_shapes(student, "ConvVAE", batch, kwargs, (kwargs["in_channels"], size, size), kwargs["latent_dim"])


@check("vae.shapes", task="VAE", points=2,
       feedback="VAE.encode takes images (B, 1, 28, 28) (flatten them) and returns (mu, logvar) of shape (B, 20); "
                "decode and forward return images (B, 1, 28, 28).")
def mlp_vae_returns_the_contract_shapes(student):
    """Do VAE's encode, decode and forward return the right shapes for batches of 1 and 5?"""
    for batch in (1, 5):
        assert_model_shapes(student, "VAE", batch, {}, (1, 28, 28), 20)
