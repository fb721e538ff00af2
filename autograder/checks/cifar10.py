"""Public checks of make_cifar10_loaders, on random pixels written in CIFAR-10's on-disk format."""
import torch

from autograder.framework import expect
from autograder.framework.registry import Student, check
from autograder.assignment.fixtures import CIFAR_TEST, CIFAR_TRAIN, cifar10_arrays, cifar10_fixture


@check("cifar10.batches", part="make_cifar10_loaders", points=1,
       feedback="Wrap torchvision.datasets.CIFAR10(root, train=True/False, download=download, "
                "transform=transforms.ToTensor()) in DataLoaders with batch_size images per batch.")
def loaders_give_tensor_batches_of_both_splits(student):
    """Do the loaders cover both splits and yield float batches (batch_size, 3, 32, 32) in [0, 1]?"""
    result = student.probe("cifar10_loaders", str(cifar10_fixture(student.data_dir)), 8)
    for split, size in (("train", CIFAR_TRAIN), ("test", CIFAR_TEST)):
        got = result[split]
        assert got["size"] == size, f"the {split} set has {got['size']} images, expected {size}"
        images = got["images"]
        assert tuple(images.shape) == (8, 3, 32, 32), f"a {split} batch has shape {tuple(images.shape)}, expected (8, 3, 32, 32)"
        assert images.dtype.is_floating_point and 0 <= images.min() and images.max() <= 1, (
            f"{split} images are not floats in [0, 1]")


def expect_first_batches(student: Student, batch_size: int) -> None:
    """With ``batch_size`` images a batch: the first test batch is the first test images as ToTensor gives them,
    in order, and the first training batch holds ``batch_size`` images that are not the first training images."""
    result = student.probe("cifar10_loaders", str(cifar10_fixture(student.data_dir)), batch_size)
    arrays = cifar10_arrays()
    first_test = torch.from_numpy(arrays["test"][:batch_size]).permute(0, 3, 1, 2).float() / 255
    expect.close(result["test"]["images"], first_test, "the first test batch", atol=1e-6)
    assert result["test"]["labels"].tolist() == arrays["test_labels"][:batch_size].tolist(), (
        "test labels are out of order")
    assert len(result["train"]["images"]) == batch_size, "batch_size is not passed to the training loader"
    first_train = torch.from_numpy(arrays["train"][:batch_size]).permute(0, 3, 1, 2).float() / 255
    assert not torch.allclose(result["train"]["images"].double(), first_train.double(), atol=1e-6), (
        f"the training loader does not shuffle: its first batch is the first {batch_size} training images")


@check("cifar10.order_and_values", part="make_cifar10_loaders", points=1,
       feedback="Use transforms.ToTensor() alone (pixel / 255, channels first, no normalisation), shuffle the "
                "training loader and not the test loader.")
def test_batch_in_order_with_totensor_values_and_training_batch_shuffled(student):
    """With batch_size 8, is the first test batch the first 8 test images as ToTensor gives them, and the first training batch not the first 8 training images?"""
    expect_first_batches(student, 8)
