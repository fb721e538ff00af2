"""Public checks of interpolate, graded with the grader's own small VAE (TinyVAE).

What a frame should be is worked out from TinyVAE's own encode and decode in the check; whether
the model ran in evaluation mode without gradients is read off the frames a model that tells its
mode returned (``tiny_vae``). The hidden checks repeat this on other images, sizes and numbers of steps.
"""
import torch

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.checks.sampling import decoded_by, expect_eval_decodings
from autograder.tiny_vae import TinyVAE


@check("interpolate.shape", part="interpolate", points=1,
       feedback="interpolate returns the decoded frames stacked as (num_steps, C, H, W), both ends included: "
                "what vae.decode gives for the latent points, not pixels mixed afterwards.")
def returns_num_steps_frames(student):
    """For num_steps = 5, are there five frames of the image's shape, each decoded by the model?"""
    img1, img2 = torch.rand(3, 8, 8), torch.rand(3, 8, 8)
    frames = student.probe("interpolation", 1, 4, img1, img2, 5)["frames"]
    decoded_by(TinyVAE(4, (3, 8, 8), 1), frames, 5, "the frames")


@check("interpolate.ends_and_middle", part="interpolate", points=1,
       feedback="Encode both images and take the posterior means mu1, mu2 (not random samples); the frames decode "
                "evenly spaced points from mu1 to mu2 with both ends included (torch.linspace(0, 1, num_steps)), "
                "interpolating the latent vectors, not the pixels.")
def three_frames_decode_mu1_the_midpoint_and_mu2(student):
    """For num_steps = 3, are the frames decode(mu1), decode((mu1 + mu2) / 2) and decode(mu2)?"""
    img1, img2 = torch.rand(1, 6, 6), torch.rand(1, 6, 6)
    frames = student.probe("interpolation", 3, 2, img1, img2, 3)["frames"]
    assert frames is not None and frames.shape == (3, 1, 6, 6), "interpolate did not return three (1, 6, 6) frames"
    model = TinyVAE(2, (1, 6, 6), 3)
    with torch.no_grad():
        mu1, mu2 = model.encode(img1[None])[0], model.encode(img2[None])[0]
        for index, (point, what) in enumerate([(mu1, "the first frame"), ((mu1 + mu2) / 2, "the middle frame"),
                                               (mu2, "the last frame")]):
            expect.close(frames[index], model.decode(point)[0], what)


@check("interpolate.eval_mode_no_grad", part="interpolate", points=1,
       feedback="Put the model in evaluation mode (vae.eval()) and decode under torch.no_grad(): a model in training "
                "mode or tracking gradients may decode differently, and the frames must not keep a graph.")
def decodes_in_eval_mode_without_gradients(student):
    """Are the frames what the model decodes in eval mode without gradients (it decodes differently otherwise)?"""
    frames = student.probe("interpolation", 2, 4, torch.rand(3, 8, 8), torch.rand(3, 8, 8), 4, True)["frames"]
    expect_eval_decodings(TinyVAE(4, (3, 8, 8), 2, tells_mode=True), frames, 4, "the frames")
