"""Do the data fixtures follow the checks' key, so that the public module cannot redraw the grader's pixels?"""
from __future__ import annotations

import numpy as np
import torch

from autograder.assignment.fixtures import cifar10_arrays, ffhq_fixture, written_image
from autograder.framework.seeds import inputs_key


def test_the_fixtures_pixels_follow_the_key(tmp_path):
    published = cifar10_arrays()
    published_face = written_image(ffhq_fixture(tmp_path / "published", "ffhq-rgb", 2, 8, "RGB", 5), 1, 5)
    with inputs_key(4321):
        graded = cifar10_arrays()
        assert all(np.array_equal(graded[k], again) for k, again in cifar10_arrays().items())
        graded_face = written_image(ffhq_fixture(tmp_path / "graded", "ffhq-rgb", 2, 8, "RGB", 5), 1, 5)
    assert {k: v.shape for k, v in graded.items()} == {k: v.shape for k, v in published.items()}
    assert not np.array_equal(graded["test"], published["test"])
    assert graded_face.shape == published_face.shape and not torch.equal(graded_face, published_face)
