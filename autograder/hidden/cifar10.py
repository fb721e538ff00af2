"""Hidden checks of make_cifar10_loaders."""
from autograder.framework.registry import check
from autograder.checks.cifar10 import expect_first_batches


@check("cifar10.values_and_shuffling", part="make_cifar10_loaders", points=2,
       feedback="Use transforms.ToTensor() alone (pixel / 255, channels first, no normalisation), shuffle the "
                "training loader and not the test loader, and pass batch_size on.")
def test_loader_is_in_order_with_totensor_values(student):
    """With batch_size 5, is the test loader unshuffled with ToTensor values, the training loader shuffled, and batch_size honoured?"""
    expect_first_batches(student, 5)
