"""Settings: how many batches an epoch is on each kind of device, in fast mode and at the defaults."""
from __future__ import annotations

import pytest

from vae_course.settings import Settings


@pytest.mark.parametrize("device_type, cifar, faces", [
    ("cpu", Settings.cpu_cifar_steps, Settings.cpu_face_steps),
    ("mps", Settings.cpu_cifar_steps, Settings.cpu_face_steps),  # an Apple GPU gets the CPU sizes
    ("cuda", None, None),  # a GPU goes over the whole training set
])
def test_an_epoch_is_a_fixed_number_of_batches_except_on_a_gpu(device_type, cifar, faces):
    course = Settings()
    assert (course.cifar_steps(device_type), course.face_steps(device_type)) == (cifar, faces)


@pytest.mark.parametrize("device_type", ["cpu", "cuda"])
def test_fast_mode_limits_every_epoch_to_its_few_steps(device_type):
    fast = Settings(fast=True, max_steps=3)
    assert fast.cifar_steps(device_type) == fast.face_steps(device_type) == 3


def test_cpu_cifar_epochs_are_shorter_than_cifar_10_and_longer_than_the_stand_in():
    """Minutes on real data, and several passes over the stand-in, as many steps as real data would get."""
    from vae_course.data.cifar10 import STANDIN_TRAIN

    course = Settings()
    assert STANDIN_TRAIN < course.cpu_cifar_steps * course.batch_size < 50000
