"""Public checks of sample_images (graded with the grader's own small VAE)."""
from autograder import expect
from autograder.checks import check


@check("sample_images.shape", task="sample_images", points=1,
       feedback="sample_images returns num_samples decoded images (num_samples, C, H, W).")
def returns_num_samples_images(student):
    """Does sample_images(vae, 5) return five images of the model's shape?"""
    result = student.probe("samples", 3, 6, [3, 8, 8], 5)
    expect.tensor(result["facts"], (5, 3, 8, 8), "the samples")
