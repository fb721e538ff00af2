"""CIFAR-10's on-disk format ("python version"), and an offline stand-in written in it.

``torchvision.datasets.CIFAR10`` reads ``root/cifar-10-batches-py/``: five training
batches, one test batch and ``batches.meta``, each a pickled dict (``pickle.load(f,
encoding="latin1")``). Before reading, it checks every file against the upstream MD5s held
in the class attributes ``train_list``, ``test_list`` and ``meta``, so any other data in
that format is "corrupted" to it. :func:`accept_fixture_checksums` lets it accept files
this module wrote, which is how fixtures and stand-ins are loaded by unmodified code::

    with accept_fixture_checksums(root):
        train = torchvision.datasets.CIFAR10(root, train=True, download=True,
                                             transform=ToTensor())
"""
from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

BASE_FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
FIXTURE_FILE = "fixture.json"

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
"""The real CIFAR-10 class names, in label order (label 0 is "airplane")."""

# Colour (or, for the last two, grey) photographs that scikit-image ships inside its
# wheel, so reading them needs no download. Class i of the stand-in is crops of photo i.
STANDIN_PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "rocket",
    "motorcycle",
    "camera",
    "coins",
)


STANDIN_TRAIN, STANDIN_TEST = 5000, 1000  # a tenth of CIFAR-10's 50,000 / 10,000


def write_cifar10_format(
    root: str | Path,
    train_images: np.ndarray,
    train_labels: Sequence[int],
    test_images: np.ndarray,
    test_labels: Sequence[int],
    label_names: Sequence[str],
    description: str = "arrays passed to write_cifar10_format; not CIFAR-10 images",
) -> Path:
    """Write uint8 HWC images ``(N, 32, 32, 3)`` as ``root/cifar-10-batches-py/``.

    The files are pickled as upstream's are (str keys, protocol 2, ``data`` as ``(N, 3072)``
    uint8 rows holding the R, G and B planes in turn), so torchvision reads them. Also
    writes ``fixture.json`` (each file's MD5 and ``description``, what the images really
    are) and ``STAND-IN.md``. Returns the batch folder.
    """
    folder = Path(root) / BASE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    train_rows = np.array_split(_as_rows(train_images), len(TRAIN_FILES))
    train_label_parts = np.array_split(_as_labels(train_labels, len(train_images)), len(TRAIN_FILES))
    first = 0
    for i, (name, rows, labels) in enumerate(zip(TRAIN_FILES, train_rows, train_label_parts), start=1):
        _write_batch(folder / name, f"training batch {i} of 5", rows, labels, label_names, first)
        first += len(rows)
    test_rows, test_labels_array = _as_rows(test_images), _as_labels(test_labels, len(test_images))
    _write_batch(folder / TEST_FILE, "testing batch 1 of 1", test_rows, test_labels_array, label_names, first)
    meta = {
        "num_cases_per_batch": -(-len(train_images) // len(TRAIN_FILES)),
        "label_names": list(label_names),
        "num_vis": 32 * 32 * 3,
    }
    _pickle(folder / META_FILE, meta)

    files = {name: _md5(folder / name) for name in (*TRAIN_FILES, TEST_FILE, META_FILE)}
    record = {"description": description, "label_names": list(label_names), "md5": files}
    (folder / FIXTURE_FILE).write_text(json.dumps(record, indent=2) + "\n")
    (folder / "STAND-IN.md").write_text(
        "# Not CIFAR-10\n\n"
        f"These files are in CIFAR-10's on-disk format but hold: {description}.\n"
        f"Classes: {', '.join(label_names)}.\n\n"
        "torchvision rejects them by their MD5s unless loaded inside\n"
        "`vae_course.data.cifar10.accept_fixture_checksums(root)`; `fixture.json` has the MD5s.\n"
    )
    return folder


@contextmanager
def accept_fixture_checksums(root: str | Path) -> Iterator[None]:
    """Make ``torchvision.datasets.CIFAR10`` accept the fixture under ``root``, for a while.

    When ``root/cifar-10-batches-py/fixture.json`` exists, the class attributes
    ``CIFAR10.train_list``, ``test_list`` and ``meta`` (the upstream MD5s torchvision
    checks every file against) are replaced by the MD5s recorded there, and restored on
    exit, even on error. For real CIFAR-10 (no ``fixture.json``) this does nothing, so
    notebooks wrap their loading code in it unconditionally.
    """
    record_path = Path(root) / BASE_FOLDER / FIXTURE_FILE
    if not record_path.is_file():
        yield
        return
    from torchvision.datasets import CIFAR10

    md5 = json.loads(record_path.read_text())["md5"]
    saved = {name: CIFAR10.__dict__[name] for name in ("train_list", "test_list", "meta")}
    try:
        CIFAR10.train_list = [[name, md5[name]] for name in TRAIN_FILES]
        CIFAR10.test_list = [[TEST_FILE, md5[TEST_FILE]]]
        CIFAR10.meta = {**saved["meta"], "md5": md5[META_FILE]}
        yield
    finally:
        for name, value in saved.items():
            setattr(CIFAR10, name, value)


def write_cifar10_standin(root: str | Path, n_train: int = STANDIN_TRAIN, n_test: int = STANDIN_TEST,
                          seed: int = 0) -> Path:
    """Write an offline stand-in in CIFAR-10's format: 32x32 crops of ten real photographs.

    Class ``i`` is random crops (random position and scale, resized) of scikit-image's
    bundled sample photograph ``STANDIN_PHOTOS[i]``; ``label_names`` are those names.
    Natural-image statistics at CIFAR-10's size, without a download. Deterministic for a
    ``seed``. Returns the batch folder. ``STANDIN_TRAIN`` crops, not a few hundred: Task 1's CPU
    epochs (``Settings.cpu_cifar_steps`` batches) go over the set again, and a few hundred crops
    seen hundreds of times are memorised, so the test crops' reconstructions turn to noise.
    """
    rng = np.random.default_rng(seed)
    photos = [_photo(name) for name in STANDIN_PHOTOS]
    split = {}
    for name, n in (("train", n_train), ("test", n_test)):
        labels = rng.permutation(np.arange(n) % len(photos))
        split[name] = (np.stack([_random_crop(photos[label], rng) for label in labels]), labels)
    description = (
        "32x32 crops of 10 sample photographs bundled with scikit-image "
        "(label = which photograph); not CIFAR-10 images"
    )
    return write_cifar10_format(root, *split["train"], *split["test"], STANDIN_PHOTOS, description)


def _as_rows(images: np.ndarray) -> np.ndarray:
    """HWC uint8 images as upstream's rows: the 1024 R values, then G, then B."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.shape[1:] != (32, 32, 3):
        raise ValueError(f"expected uint8 images of shape (N, 32, 32, 3), got {images.dtype} {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2).reshape(len(images), -1))


def _as_labels(labels: Sequence[int], n: int) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (n,):
        raise ValueError(f"expected {n} labels, got shape {labels.shape}")
    return labels


def _write_batch(
    path: Path, batch_label: str, rows: np.ndarray, labels: np.ndarray, names: Sequence[str], first: int
) -> None:
    """One pickled batch; file names follow upstream's ``<class>_s_<number>.png`` pattern."""
    batch = {
        "batch_label": batch_label,
        "labels": [int(label) for label in labels],
        "data": rows,
        "filenames": [f"{names[label]}_s_{first + i:06d}.png" for i, label in enumerate(labels)],
    }
    _pickle(path, batch)


def _pickle(path: Path, obj: object) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _photo(name: str) -> np.ndarray:
    """A bundled scikit-image sample photograph as uint8 RGB."""
    from skimage import data

    image = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image[:, :, :3]


def _random_crop(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A square crop of side 1/8 to 1/2 of the photo's short side, resized to 32x32."""
    from PIL import Image

    height, width = photo.shape[:2]
    side = int(rng.integers(min(height, width) // 8, min(height, width) // 2 + 1))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    crop = Image.fromarray(photo[top : top + side, left : left + side])
    return np.asarray(crop.resize((32, 32), Image.Resampling.LANCZOS))
