"""Hidden checks of make_cifar10_loaders."""
import torch

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.assignment.fixtures import cifar10_arrays, cifar10_fixture


@check("cifar10.values_and_shuffling", part="make_cifar10_loaders", points=2,
       feedback="Use transforms.ToTensor() alone (pixel / 255, channels first, no normalisation), shuffle the "
                "training loader and not the test loader, and pass batch_size on.")
def test_loader_is_in_order_with_totensor_values(student):
    """With batch_size 5, is the test loader unshuffled with ToTensor values, the training loader shuffled, and batch_size honoured?"""
    result = student.probe("cifar10_loaders", str(cifar10_fixture(student.data_dir)), 5)
    arrays = cifar10_arrays()
    expected = torch.from_numpy(arrays["test"][:5]).permute(0, 3, 1, 2).float() / 255
    expect.close(result["test"]["images"], expected, "the first test batch", atol=1e-6)
    assert result["test"]["labels"].tolist() == arrays["test_labels"][:5].tolist(), "test labels are out of order"
    assert len(result["train"]["images"]) == 5, "batch_size is not passed to the training loader"
    first_train = torch.from_numpy(arrays["train"][:5]).permute(0, 3, 1, 2).float() / 255
    assert not torch.allclose(result["train"]["images"].double(), first_train.double(), atol=1e-6), (
        "the training loader does not shuffle")
