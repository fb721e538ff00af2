"""torchvision's own CIFAR10 reads what vae_course.data.cifar10 writes, and only by consent."""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from torchvision.datasets import CIFAR10, CIFAR100
from torchvision.transforms import ToTensor

from vae_course.data.cifar10 import (
    CIFAR10_CLASSES,
    STANDIN_PHOTOS,
    accept_fixture_checksums,
    write_cifar10_format,
    write_cifar10_standin,
)


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    root = tmp_path_factory.mktemp("cifar")
    write_cifar10_standin(root, n_train=53, n_test=12, seed=3)
    return root


def test_real_class_names():
    assert CIFAR10_CLASSES == ("airplane", "automobile", "bird", "cat", "deer",
                               "dog", "frog", "horse", "ship", "truck")
    assert len(set(STANDIN_PHOTOS)) == 10 and not set(STANDIN_PHOTOS) & set(CIFAR10_CLASSES)


@pytest.mark.parametrize("download", [False, True])
@pytest.mark.parametrize("train, size", [(True, 53), (False, 12)])
def test_torchvision_loads_the_standin_inside_the_context(standin, train, size, download):
    with accept_fixture_checksums(standin):
        dataset = CIFAR10(standin, train=train, download=download, transform=ToTensor())
    assert len(dataset) == size
    assert dataset.classes == list(STANDIN_PHOTOS)
    image, label = dataset[0]
    assert image.shape == (3, 32, 32) and 0 <= label < 10
    assert sorted(set(dataset.targets)) == list(range(10))


def test_without_the_context_torchvision_rejects_it(standin):
    with pytest.raises(RuntimeError, match="corrupted"):
        CIFAR10(standin, train=True, download=False)


def test_class_attributes_are_restored_even_on_error(standin):
    before = (CIFAR10.train_list, CIFAR10.test_list, CIFAR10.meta)
    with pytest.raises(KeyError):
        with accept_fixture_checksums(standin):
            assert CIFAR10.train_list is not before[0]
            raise KeyError("boom")
    assert (CIFAR10.train_list, CIFAR10.test_list, CIFAR10.meta) == before
    assert CIFAR10.train_list[0] == ["data_batch_1", "c99cafc152244af753f735de768cd75f"]
    assert CIFAR100.train_list[0][0] == "train"  # the subclass keeps its own attributes


def test_context_is_a_no_op_without_fixture_json(tmp_path):
    before = (CIFAR10.train_list, CIFAR10.test_list, CIFAR10.meta)
    with accept_fixture_checksums(tmp_path):
        assert (CIFAR10.train_list, CIFAR10.test_list, CIFAR10.meta) == before


def test_pixels_labels_and_layout_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (23, 32, 32, 3), dtype=np.uint8)
    test = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    train_labels, test_labels = rng.integers(0, 3, 23), [2, 0, 1, 1]
    train[7, 0, 0] = (255, 0, 1)  # a known pixel: red plane first in the stored row
    folder = write_cifar10_format(tmp_path, train, train_labels, test, test_labels, ["a", "b", "c"])

    batches = [pickle.load(open(folder / f"data_batch_{i}", "rb"), encoding="latin1") for i in range(1, 6)]
    assert [len(b["labels"]) for b in batches] == [5, 5, 5, 4, 4]
    assert set(batches[0]) == {"batch_label", "labels", "data", "filenames"}
    assert batches[0]["data"].dtype == np.uint8 and batches[0]["data"].shape == (5, 3072)
    assert batches[1]["data"][2, [0, 1024, 2048]].tolist() == [255, 0, 1]
    meta = pickle.load(open(folder / "batches.meta", "rb"), encoding="latin1")
    assert meta == {"label_names": ["a", "b", "c"], "num_cases_per_batch": 5, "num_vis": 3072}
    record = json.loads((folder / "fixture.json").read_text())
    assert set(record["md5"]) == {*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta"}
    assert "not CIFAR-10" in record["description"] and (folder / "STAND-IN.md").is_file()

    with accept_fixture_checksums(tmp_path):
        loaded = CIFAR10(tmp_path, train=True)
        loaded_test = CIFAR10(tmp_path, train=False)
    np.testing.assert_array_equal(loaded.data, train)
    np.testing.assert_array_equal(loaded_test.data, test)
    assert loaded.targets == train_labels.tolist() and loaded_test.targets == test_labels
    assert np.asarray(loaded[7][0])[0, 0].tolist() == [255, 0, 1]


def test_standin_is_deterministic_and_balanced(tmp_path):
    first = write_cifar10_standin(tmp_path / "a", n_train=20, n_test=10, seed=1)
    second = write_cifar10_standin(tmp_path / "b", n_train=20, n_test=10, seed=1)
    other = write_cifar10_standin(tmp_path / "c", n_train=20, n_test=10, seed=2)
    md5 = [json.loads((f / "fixture.json").read_text())["md5"] for f in (first, second, other)]
    assert md5[0] == md5[1] != md5[2]
    with accept_fixture_checksums(tmp_path / "a"):
        test = CIFAR10(tmp_path / "a", train=False)
    assert sorted(test.targets) == list(range(10))
    assert test.data.std() > 10  # real photographs, not blank images


def test_rejects_wrong_shapes(tmp_path):
    with pytest.raises(ValueError):
        write_cifar10_format(tmp_path, np.zeros((2, 3, 32, 32), np.uint8), [0, 0],
                             np.zeros((1, 32, 32, 3), np.uint8), [0], ["a"])
