"""Public checks of sample_images (graded with the grader's own small VAE)."""
import torch

from autograder import expect
from autograder.checks import check


def decoded_latents(result) -> torch.Tensor:
    """Every latent vector sample_images decoded, in order, however many decode calls it made."""
    decodes = [call["input"] for call in result["calls"] if call["method"] == "decode"]
    assert decodes, "sample_images never called vae.decode"
    return torch.cat([z.reshape(-1, z.shape[-1]) for z in decodes])


@check("sample_images.shape", task="sample_images", points=1,
       feedback="sample_images returns num_samples decoded images (num_samples, C, H, W).")
def returns_num_samples_images(student):
    """Does sample_images(vae, 5) return five images of the model's shape?"""
    result = student.probe("samples", 3, 6, [3, 8, 8], 5)
    expect.tensor(result["facts"], (5, 3, 8, 8), "the samples")


@check("sample_images.normal_latents", task="sample_images", points=1,
       feedback="Decode z ~ N(0, I) of shape (num_samples, vae.latent_dim): torch.randn (not torch.rand) on the "
                "model's device, using vae.latent_dim rather than a fixed 20.")
def decodes_standard_normal_vectors(student):
    """For 2,000 samples from a model with 6 latent dimensions, are the decoded z of mean 0 and std 1?"""
    z = decoded_latents(student.probe("samples", 4, 6, [1, 4, 4], 2000))
    assert tuple(z.shape) == (2000, 6), f"z has shape {tuple(z.shape)}, expected (2000, 6)"
    expect.close(z.mean(0), torch.zeros(6), "the mean of z", atol=0.1, rtol=0)
    expect.close(z.std(0), torch.ones(6), "the standard deviation of z", atol=0.1, rtol=0)


@check("sample_images.eval_no_grad", task="sample_images", points=1,
       feedback="Call vae.eval() and decode under torch.no_grad(): samples must not track gradients.")
def samples_in_eval_mode_without_gradients(student):
    """Is the model in eval mode and are gradients off while sampling?"""
    result = student.probe("samples", 1, 3, [3, 8, 8], 6)
    assert not result["facts"].get("requires_grad", True), "the samples track gradients"
    assert result["calls"] and not any(c["training"] or c["grad_enabled"] for c in result["calls"]), (
        "decode ran in training mode or with gradients on")
