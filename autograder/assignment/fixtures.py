"""Small data in the real on-disk formats, written by the grader for the data checks.

Their pixels follow the checks' key (``framework.seeds``): the published ones for the self-check,
others when the grader grades, so a loader cannot answer the data checks by drawing the same pixels
with this public module instead of reading the files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from autograder.framework.seeds import keyed
from vae_course.data.cifar10 import write_cifar10_format
from vae_course.data.ffhq import FOLDER, write_ffhq_fixture

CIFAR_TRAIN, CIFAR_TEST = 37, 13  # not multiples of a batch size, so a partial batch exists


def cifar10_arrays() -> dict[str, np.ndarray]:
    """The pixels and labels of the CIFAR-10 fixture, under the current key."""
    rng = np.random.default_rng(keyed(0))
    return {"train": rng.integers(0, 256, (CIFAR_TRAIN, 32, 32, 3), dtype=np.uint8),
            "test": rng.integers(0, 256, (CIFAR_TEST, 32, 32, 3), dtype=np.uint8),
            "train_labels": rng.integers(0, 10, CIFAR_TRAIN), "test_labels": rng.integers(0, 10, CIFAR_TEST)}


def cifar10_fixture(data_dir: Path) -> Path:
    """Random images in CIFAR-10's pickled batch format (not CIFAR-10), written once per grading."""
    root = data_dir / "cifar10"
    if not root.exists():
        arrays = cifar10_arrays()
        write_cifar10_format(root, arrays["train"], arrays["train_labels"], arrays["test"], arrays["test_labels"],
                             [f"class {i}" for i in range(10)], description="random pixels written by the grader")
    return root


def ffhq_fixture(data_dir: Path, name: str, n: int, size: int, mode: str, per_folder: int) -> Path:
    """A thumbnail tree in FFHQ's layout (nested folders, LICENSE.txt), written once per grading."""
    root = data_dir / name
    if not root.exists():
        write_ffhq_fixture(root, n, size=size, mode=mode, per_folder=per_folder, seed=keyed(len(name)))
    return root


def rgb_tensor(image: Image.Image) -> torch.Tensor:
    """``image`` as RGB ``(3, H, W)`` in [0, 1], computed as torchvision's ``to_tensor`` does.

    Not torchvision's own: importing it imports ``torch._dynamo``, about 1.9 s in every grading process.
    """
    pixels = torch.from_numpy(np.array(image.convert("RGB"), dtype=np.uint8))
    return pixels.permute(2, 0, 1).contiguous().float().div(255)


def written_image(root: Path, index: int, per_folder: int) -> torch.Tensor:
    """The ``index``-th image ``ffhq_fixture`` wrote, found by its file name (FFHQ's naming), as RGB in [0, 1]."""
    path = root / FOLDER / f"{index // per_folder * per_folder:05d}" / f"{index:05d}.png"
    with Image.open(path) as image:
        return rgb_tensor(image)
