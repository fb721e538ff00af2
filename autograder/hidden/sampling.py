"""Hidden checks of sample_images."""
import torch

from autograder import expect
from autograder.checks import check
from autograder.tiny_vae import TinyVAE


@check("sample_images.prior", task="sample_images", points=2,
       feedback="Decode z ~ N(0, I) with z of shape (num_samples, vae.latent_dim): torch.randn on the model's "
                "device, using vae.latent_dim rather than a fixed 20.")
def decodes_standard_normal_vectors_of_the_models_size(student):
    """Are the samples decoded from standard normal vectors of the model's latent size?"""
    result = student.probe("samples", 5, 7, [1, 4, 4], 4000)
    decodes = [call for call in result["calls"] if call["method"] == "decode"]
    assert len(decodes) == 1, f"decode was called {len(decodes)} times, expected once"
    z = decodes[0]["input"]
    assert tuple(z.shape) == (4000, 7), f"z has shape {tuple(z.shape)}, expected (4000, 7)"
    expect.close(z.mean(0), torch.zeros(7), "the mean of z", atol=0.06, rtol=0)
    expect.close(z.std(0), torch.ones(7), "the standard deviation of z", atol=0.06, rtol=0)
    with torch.no_grad():
        expected = TinyVAE(7, (1, 4, 4), 5).decode(z)
    expect.close(result["images"], expected, "the samples")


@check("sample_images.eval_no_grad", task="sample_images", points=1,
       feedback="Call vae.eval() and decode under torch.no_grad(): samples must not track gradients.")
def samples_in_eval_mode_without_gradients(student):
    """Is the model in eval mode and are gradients off while sampling?"""
    result = student.probe("samples", 1, 3, [3, 8, 8], 6)
    assert not result["facts"].get("requires_grad", True), "the samples track gradients"
    assert not result["training_after"], "the model is left in training mode"
    assert result["calls"] and not any(c["training"] or c["grad_enabled"] for c in result["calls"]), (
        "decode ran in training mode or with gradients on")
