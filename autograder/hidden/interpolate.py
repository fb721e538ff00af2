"""Hidden checks of interpolate, against the grader's own decoding of the latent path."""
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.framework import expect
from autograder.framework.registry import check, examples
from autograder.checks.sampling import decoded_by, expect_eval_decodings, expect_eval_without_gradients
from autograder.tiny_vae import TinyVAE


def expected_path(seed, latent_dim, img1, img2, num_steps):
    model = TinyVAE(latent_dim, tuple(img1.shape), seed).eval()
    with torch.no_grad():
        mu, _ = model.encode(torch.stack([img1, img2]))
        weights = torch.linspace(0, 1, num_steps).unsqueeze(1)
        return model.decode((1 - weights) * mu[0] + weights * mu[1])


@check("interpolate.endpoints_any_length", part="interpolate", points=1,
       feedback="The first and last frames must be the decoded posterior means of img1 and img2: encode both "
                "images, take mu (not a random sample), and include both ends (torch.linspace(0, 1, num_steps)).")
def endpoints_decode_the_two_means(student):
    """Are the first and last frames decode(mu1) and decode(mu2)?"""
    img1, img2 = torch.rand(1, 6, 6), torch.rand(1, 6, 6)
    frames = student.probe("interpolation", 7, 3, img1, img2, 6)["frames"]
    expected = expected_path(7, 3, img1, img2, 6)
    assert frames is not None, "interpolate did not return a tensor"
    expect.close(frames[0], expected[0], "the first frame")
    expect.close(frames[-1], expected[-1], "the last frame")


@check("interpolate.linear_path", part="interpolate", points=1,
       feedback="Every frame must decode a point on the straight line between the two posterior means, evenly "
                "spaced: interpolate the latent vectors (not the pixels, not sampled z) with num_steps points.")
@examples(6)
@given(num_steps=st.integers(2, 12), seed=st.integers(0, 1000))
def frames_decode_evenly_spaced_points_between_the_means(student, num_steps, seed):
    """For any num_steps, is every frame the decoded point (1 - t) mu1 + t mu2 for evenly spaced t?"""
    generator = torch.Generator().manual_seed(seed)
    img1, img2 = torch.rand(3, 4, 4, generator=generator), torch.rand(3, 4, 4, generator=generator)
    frames = student.probe("interpolation", seed, 5, img1, img2, num_steps)["frames"]
    expect.close(frames, expected_path(seed, 5, img1, img2, num_steps), "the frames")


@check("interpolate.eval_no_grad_twice", part="interpolate", points=1,
       feedback="Put the model in evaluation mode (vae.eval()) and decode under torch.no_grad(): the result must "
                "be what the model decodes in evaluation mode, without a graph, and the same every time.")
def runs_in_eval_mode_without_gradients_and_repeats(student):
    """Are the frames the model's eval-mode, no-grad decodings (it tells its mode otherwise), the same twice?"""
    img1, img2 = torch.rand(1, 6, 6), torch.rand(1, 6, 6)
    result = student.probe("interpolation", 11, 3, img1, img2, 7, True)
    expect_eval_decodings(TinyVAE(3, (1, 6, 6), 11, tells_mode=True), result["frames"], 7, "the frames")
    again = decoded_by(TinyVAE(3, (1, 6, 6), 11, tells_mode=True), result["again"], 7, "the frames of a second call")
    expect_eval_without_gradients(again, "the frames of a second call")
    expect.close(result["again"], result["frames"], "the frames of a second call, compared with the first,")
