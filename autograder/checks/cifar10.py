"""Public checks of make_cifar10_loaders, on data in CIFAR-10's on-disk format."""
from autograder.checks import check
from autograder.fixtures import CIFAR_TEST, CIFAR_TRAIN, cifar10_fixture


@check("cifar10.batches", task="make_cifar10_loaders", points=2,
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
