"""Does the reference solution honour the graded API contract that the autograder relies on?"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence


@pytest.mark.parametrize("batch", [1, 7, 32])
def test_reparameterize_keeps_shape_for_any_batch(reference, batch):
    """Is z the shape of mu, whatever the batch size?"""
    mu, logvar = torch.zeros(batch, 20), torch.zeros(batch, 20)
    assert reference["reparameterize"](mu, logvar).shape == (batch, 20)


def test_reparameterize_gradients_are_the_analytic_ones(reference):
    """Do gradients reach mu (dz/dmu = 1) and logvar (dz/dlogvar = 0.5 * std * eps)?"""
    mu = torch.randn(5, 3, requires_grad=True)
    logvar = torch.randn(5, 3, requires_grad=True)
    torch.manual_seed(1)
    z = reference["reparameterize"](mu, logvar)
    torch.manual_seed(1)
    eps = torch.randn_like(mu)
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.ones_like(mu))
    assert torch.allclose(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)


def test_reparameterize_samples_have_the_right_moments(reference):
    """Over many draws, are the sample mean and std mu and exp(0.5 * logvar)?"""
    mu = torch.tensor([[-2.0, 0.0, 3.0]]).expand(200_000, 3)
    logvar = torch.tensor([[0.0, -2.0, 1.0]]).expand(200_000, 3)
    z = reference["reparameterize"](mu, logvar)
    assert torch.allclose(z.mean(0), mu[0], atol=0.02)
    assert torch.allclose(z.std(0), torch.exp(0.5 * logvar[0]), rtol=0.01)


def test_vae_loss_matches_a_hand_computed_value(reference):
    """BCE of 0.5 against 1 and 0 is 2 ln 2; KL of N(1, 1) from N(0, 1) is 0.5: is the sum 2 ln 2 + 0.5?"""
    recon = torch.tensor([[0.5, 0.5]])
    x = torch.tensor([[1.0, 0.0]])
    loss = reference["vae_loss"](recon, x, torch.tensor([[1.0]]), torch.tensor([[0.0]]))
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(2 * math.log(2) + 0.5, rel=1e-6)


def test_vae_loss_matches_torch_reference_implementations(reference):
    """Is the loss F.binary_cross_entropy (sum) plus torch.distributions' KL (sum)?"""
    recon, x = torch.rand(4, 3, 8, 8).clamp(0.01, 0.99), torch.rand(4, 3, 8, 8)
    mu, logvar = torch.randn(4, 6), torch.randn(4, 6)
    expected = F.binary_cross_entropy(recon, x, reduction="sum") + kl_divergence(
        Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum()
    assert torch.allclose(reference["vae_loss"](recon, x, mu, logvar), expected, rtol=1e-5)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("num_layers,image_size", [(3, 32), (4, 128), (2, 16)])
def test_conv_vae_shapes(reference, batch, num_layers, image_size):
    """Do encode, decode and forward return the contract's shapes, with outputs in [0, 1]?"""
    model = reference["ConvVAE"](hidden_dim=4, latent_dim=5, num_layers=num_layers, image_size=image_size)
    x = torch.rand(batch, 3, image_size, image_size)
    mu, logvar = model.encode(x)
    x_hat, mu2, logvar2 = model(x)
    assert mu.shape == logvar.shape == mu2.shape == logvar2.shape == (batch, 5)
    assert x_hat.shape == x.shape
    assert model.decode(torch.randn(batch, 5)).shape == x.shape
    assert 0 <= x_hat.min() and x_hat.max() <= 1
    assert model.latent_dim == 5


def test_conv_vae_default_is_the_assignments_size(reference):
    """Is ConvVAE() the original assignment's model, about 52.8 M parameters?"""
    count = sum(p.numel() for p in reference["ConvVAE"]().parameters())
    assert count == pytest.approx(52.8e6, rel=0.005)


def test_conv_vae_rejects_an_image_size_the_layers_cannot_halve(reference):
    """Does a size that 2**num_layers does not divide fail with a clear error?"""
    with pytest.raises(ValueError, match="divisible"):
        reference["ConvVAE"](hidden_dim=4, num_layers=3, image_size=36)


def test_mlp_vae_is_784_400_20(reference):
    """Is VAE() the PyTorch examples' model, with image-shaped output?"""
    model = reference["VAE"]()
    count = sum(p.numel() for p in model.parameters())
    assert count == (784 * 400 + 400) + 2 * (400 * 20 + 20) + (20 * 400 + 400) + (400 * 784 + 784)
    x_hat, mu, logvar = model(torch.rand(6, 1, 28, 28))
    assert x_hat.shape == (6, 1, 28, 28) and mu.shape == logvar.shape == (6, 20)
    assert model.latent_dim == 20


def test_interpolate_endpoints_decode_the_posterior_means(reference):
    """Are the first and last frames the decoded means of the two images, in eval mode?"""
    model = reference["ConvVAE"](hidden_dim=4, latent_dim=5)
    img1, img2 = torch.rand(3, 32, 32), torch.rand(3, 32, 32)
    frames = reference["interpolate"](model, img1, img2, 7)
    assert frames.shape == (7, 3, 32, 32)
    assert not frames.requires_grad and not model.training
    with torch.no_grad():
        mu, _ = model.encode(torch.stack([img1, img2]))
        ends = model.decode(mu)
    assert torch.allclose(frames[0], ends[0], atol=1e-6)
    assert torch.allclose(frames[-1], ends[1], atol=1e-6)


def test_sample_images_uses_the_models_latent_size(reference):
    """Are samples decoded from z of the model's latent size, without gradients?"""
    model = reference["ConvVAE"](hidden_dim=4, latent_dim=7, num_layers=2, image_size=16)
    images = reference["sample_images"](model, 5)
    assert images.shape == (5, 3, 16, 16) and not images.requires_grad
    assert 0 <= images.min() and images.max() <= 1


def test_ffhq_dataset_on_a_thumbnail_tree(reference, tmp_path):
    """On a nested tree with LICENSE.txt and grey images, is every PNG an item, as a (3, H, W) tensor in [0, 1]?"""
    from vae_course.data.ffhq import write_ffhq_fixture

    write_ffhq_fixture(tmp_path, 7, size=16, mode="L", per_folder=3)
    assert (tmp_path / "thumbnails128x128" / "LICENSE.txt").exists()
    dataset = reference["FFHQDataset"](tmp_path)
    assert len(dataset) == 7
    item = dataset[6]
    assert item.shape == (3, 16, 16) and item.dtype == torch.float32 and 0 <= item.min() and item.max() <= 1
