"""Hidden checks of sample_images."""
import torch

from autograder import expect
from autograder.checks import check
from autograder.checks.sampling import decoded_latents
from autograder.tiny_vae import TinyVAE


@check("sample_images.prior", task="sample_images", points=1,
       feedback="Decode z ~ N(0, I) with z of shape (num_samples, vae.latent_dim): torch.randn on the model's "
                "device, using vae.latent_dim rather than a fixed 20, and return what vae.decode(z) gives.")
def decodes_standard_normal_vectors_of_the_models_size(student):
    """For another model and 4,000 samples, are the samples the decoded standard normal vectors?"""
    result = student.probe("samples", 5, 7, [1, 4, 4], 4000)
    z = decoded_latents(result)
    assert tuple(z.shape) == (4000, 7), f"z has shape {tuple(z.shape)}, expected (4000, 7)"
    expect.close(z.mean(0), torch.zeros(7), "the mean of z", atol=0.06, rtol=0)
    expect.close(z.std(0), torch.ones(7), "the standard deviation of z", atol=0.06, rtol=0)
    with torch.no_grad():
        expected = TinyVAE(7, (1, 4, 4), 5).decode(z)
    expect.close(result["images"], expected, "the samples")
