"""Hidden checks of sample_images, read off the returned images through the grader's inverse of the decoder."""
import torch

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.checks.sampling import decoded_by, expect_distinct_latents
from autograder.tiny_vae import TinyVAE


@check("sample_images.one_latent_per_sample", part="sample_images", points=1,
       feedback="Decode z ~ N(0, I) with z of shape (num_samples, vae.latent_dim): torch.randn on the model's "
                "device, using vae.latent_dim rather than a fixed 20, and return what vae.decode(z) gives.")
def decodes_standard_normal_vectors_of_the_models_size(student):
    """For another model and 4,000 samples, are the samples the decoded standard normal vectors, one per sample?"""
    images = student.probe("samples", 5, 7, [1, 4, 4], 4000)["images"]
    inversion = decoded_by(TinyVAE(7, (1, 4, 4), 5), images, 4000, "the samples")
    expect_distinct_latents(inversion, "the samples")
    z = inversion.z
    expect.close(z.mean(0), torch.zeros(7), "the mean of z", atol=0.06, rtol=0)
    expect.close(z.std(0), torch.ones(7), "the standard deviation of z", atol=0.06, rtol=0)
    off_diagonal = torch.cov(z.T) - torch.diag(torch.cov(z.T).diagonal())
    assert off_diagonal.abs().max() < 0.08, "the dimensions of z are correlated: draw each from N(0, 1) independently"
