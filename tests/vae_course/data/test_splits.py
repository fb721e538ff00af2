"""vae_course.data.splits: what the trainer loaded, and whether it is a stand-in, as a flag."""
from __future__ import annotations

from pathlib import Path

from vae_course.data.splits import Splits, load_splits
from vae_course.settings import Settings


def test_offline_mnist_is_a_standin_and_says_so(tmp_path):
    splits = load_splits("mnist", Settings(offline=True, data_dir=tmp_path), {})
    assert splits.is_standin and splits.dataset == "mnist"
    assert splits.title == "MNIST stand-in"
    assert splits.description.startswith(f"mnist stand-in at {tmp_path / 'standin' / 'mnist'}: ")


def test_real_data_is_named_plainly():
    splits = Splits(train=[0] * 3, test=[0], dataset="cifar10", root=Path("/data"), is_standin=False)
    assert splits.title == "CIFAR-10"
    assert splits.description == "cifar10 at /data: 3 train, 1 test images"
