"""Public checks of sample_images, graded with the grader's own small VAE (TinyVAE).

The worker only calls sample_images on a TinyVAE it builds from the grader's seed; every verdict
is read off the returned images in the grader, which builds the same model and inverts its
decoder (``tiny_vae.invert_decoder``): which z were decoded, and whether the decoder ran in
evaluation mode without gradients (a model lent with ``tells_mode`` shifts its output otherwise).
"""
import torch

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.tiny_vae import Inversion, TinyVAE, invert_decoder


def decoded_by(model: TinyVAE, images: torch.Tensor | None, count: int, what: str) -> Inversion:
    """``images`` are ``count`` float32 images of the model's shape that its decoder returned (in any mode)."""
    assert isinstance(images, torch.Tensor), f"{what} are not a tensor"
    shape = (count, *model.image_shape)
    assert tuple(images.shape) == shape, f"{what} have shape {tuple(images.shape)}, expected {shape}"
    assert images.dtype == torch.float32, f"{what} have dtype {images.dtype}, expected torch.float32"
    inversion = invert_decoder(model, images)
    strangers = (~inversion.decoded()).nonzero().flatten().tolist()
    assert not strangers, (f"{what} {strangers[:5]} are not images vae.decode returns: return what vae.decode(z) "
                           "gives, unchanged")
    return inversion


def expect_eval_without_gradients(inversion: Inversion, what: str) -> None:
    """Every image came from the decoder in evaluation mode with gradients off (no shift in its logits)."""
    wrong = [how for how, shown in (("in training mode (call vae.eval() first)", inversion.trained),
                                    ("with gradients on (decode under torch.no_grad())", inversion.tracked))
             if bool(shown.any())]
    assert not wrong, f"{what} were decoded " + " and ".join(wrong)


def expect_distinct_latents(inversion: Inversion, what: str) -> None:
    """The images decode different z, one per image."""
    distinct = len(torch.unique(inversion.z.round(decimals=4), dim=0))
    assert distinct == len(inversion.z), f"{what} decode only {distinct} different z among {len(inversion.z)}"


def expect_eval_decodings(model: TinyVAE, images: torch.Tensor | None, count: int, what: str) -> None:
    """``images`` are ``count`` decodings of different z by ``model`` (lent with ``tells_mode``), in evaluation
    mode with gradients off."""
    inversion = decoded_by(model, images, count, what)
    expect_eval_without_gradients(inversion, what)
    expect_distinct_latents(inversion, what)


@check("sample_images.shape", part="sample_images", points=1,
       feedback="sample_images returns num_samples decoded images (num_samples, C, H, W): what vae.decode(z) gives.")
def returns_num_samples_images(student):
    """Does sample_images(vae, 5) return five images of the model's shape, decoded by the model?"""
    images = student.probe("samples", 3, 6, [3, 8, 8], 5)["images"]
    decoded_by(TinyVAE(6, (3, 8, 8), 3), images, 5, "the samples")


@check("sample_images.normal_latents", part="sample_images", points=1,
       feedback="Decode z ~ N(0, I) of shape (num_samples, vae.latent_dim): torch.randn (not torch.rand) on the "
                "model's device, using vae.latent_dim rather than a fixed 20.")
def decodes_standard_normal_vectors(student):
    """For 2,000 samples from a model with 6 latent dimensions, are the decoded z of mean 0 and std 1?"""
    images = student.probe("samples", 4, 6, [1, 4, 4], 2000)["images"]
    z = decoded_by(TinyVAE(6, (1, 4, 4), 4), images, 2000, "the samples").z
    expect.close(z.mean(0), torch.zeros(6), "the mean of z", atol=0.1, rtol=0)
    expect.close(z.std(0), torch.ones(6), "the standard deviation of z", atol=0.1, rtol=0)


@check("sample_images.eval_no_grad", part="sample_images", points=1,
       feedback="Call vae.eval() and decode under torch.no_grad(): a model in training mode or tracking gradients "
                "may decode differently (dropout, batch norm), and samples must not keep a graph.")
def samples_in_eval_mode_without_gradients(student):
    """Are the samples what the model decodes in eval mode without gradients (it decodes differently otherwise)?"""
    images = student.probe("samples", 1, 3, [3, 8, 8], 6, True)["images"]
    expect_eval_decodings(TinyVAE(3, (3, 8, 8), 1, tells_mode=True), images, 6, "the samples")
