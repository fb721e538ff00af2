"""Public checks of interpolate (graded with the grader's own small VAE)."""
import torch

from autograder import expect
from autograder.checks import check


@check("interpolate.shape", task="interpolate", points=1,
       feedback="interpolate returns the decoded frames stacked as (num_steps, C, H, W), both ends included.")
def returns_num_steps_frames(student):
    """For num_steps = 5, are there five decoded frames of the image's shape?"""
    img1, img2 = torch.rand(3, 8, 8), torch.rand(3, 8, 8)
    result = student.probe("interpolation", 1, 4, img1, img2, 5)
    expect.tensor(result["facts"], (5, 3, 8, 8), "the frames")
