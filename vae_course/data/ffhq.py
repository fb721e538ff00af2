"""The on-disk layout of FFHQ's ``thumbnails128x128`` folder, fixtures and an offline stand-in.

The real folder (NVlabs/ffhq-dataset) holds ``LICENSE.txt`` and folders ``00000``,
``01000``, ... with 1,000 PNGs each, named by global index: image ``i`` is
``f"{i // 1000 * 1000:05d}/{i:05d}.png"``. There is no loader in torchvision; students
write a ``Dataset`` over this tree, and these writers give it something to read.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

FOLDER = "thumbnails128x128"
FFHQ_NUM_IMAGES = 70000
FFHQ_NUM_TRAIN = 60000
TREE_LICENSE = (
    "These images were written by vae_course.data.ffhq in the on-disk layout of FFHQ's\n"
    "thumbnails128x128 folder. They are not FFHQ images.\n"
)
STANDIN_FACES = 100  # skimage's lfw_subset(): the first 100 of its 200 patches are faces
METADATA_JSON = "ffhq-dataset-v2.json"  # NVIDIA's metadata, beside thumbnails128x128/ in a full download
CHECKSUM_SAMPLE = 50  # images whose MD5 is compared with the metadata: every 1,400th of 70,000


def image_path(index: int) -> str:
    """Image ``index``'s path inside the tree, as FFHQ names it: ``01000/01234.png``."""
    return f"{index // 1000 * 1000:05d}/{index:05d}.png"


@dataclass(frozen=True)
class TreeReport:
    """What ``check_ffhq_tree`` found: counts, the licence, and checksums of a sample."""

    tree: Path
    images: int
    missing: tuple[str, ...]  # expected images not there, in order
    license: bool
    checked: int  # sample images compared with NVIDIA's metadata (0 without the JSON)
    mismatched: tuple[str, ...]  # of those, the ones whose MD5 differs

    @property
    def ok(self) -> bool:
        return not self.missing and self.license and not self.mismatched

    def summary(self) -> str:
        """One paragraph a student can act on."""
        lines = [f"FFHQ at {self.tree}: {self.images:,} PNGs"]
        if self.missing:
            lines.append(f"{len(self.missing):,} of {FFHQ_NUM_IMAGES:,} images are missing (first: "
                         f"{', '.join(self.missing[:3])}); download the folder again or train on what is there")
        else:
            lines.append(f"all {FFHQ_NUM_IMAGES:,} images present")
        lines.append("LICENSE.txt present" if self.license else "LICENSE.txt is missing: keep NVIDIA's licence with the data")
        if self.checked:
            bad = f"{len(self.mismatched)} differ ({', '.join(self.mismatched[:3])})" if self.mismatched else "all match"
            lines.append(f"MD5 of {self.checked} sample images against {METADATA_JSON}: {bad}")
        else:
            lines.append(f"no {METADATA_JSON} beside the folder, so no checksums compared")
        return "; ".join(lines) + "."


def check_ffhq_tree(tree: str | Path, sample: int = CHECKSUM_SAMPLE) -> TreeReport:
    """Check a ``thumbnails128x128`` folder against FFHQ's 70,000 names and, where NVIDIA's
    ``ffhq-dataset-v2.json`` lies beside the folder, the MD5 of ``sample`` evenly spaced images.

    Reading that JSON (about 270 MB) takes a few seconds; the listing alone well under one.
    """
    tree = Path(tree)
    present = {p.relative_to(tree).as_posix() for p in tree.rglob("*.png")}
    missing = tuple(name for name in map(image_path, range(FFHQ_NUM_IMAGES)) if name not in present)
    metadata = tree.parent / METADATA_JSON
    checked, mismatched = 0, []
    if metadata.is_file() and sample > 0:
        with open(metadata) as f:
            items = json.load(f)
        for index in range(0, FFHQ_NUM_IMAGES, max(1, FFHQ_NUM_IMAGES // sample)):
            entry = items.get(str(index), {}).get("thumbnail", {})
            name = image_path(index)
            if name not in present or "file_md5" not in entry:
                continue
            checked += 1
            if hashlib.md5((tree / name).read_bytes()).hexdigest() != entry["file_md5"]:
                mismatched.append(name)
    return TreeReport(tree, len(present), missing, (tree / "LICENSE.txt").is_file(), checked, tuple(mismatched))


def write_ffhq_tree(
    root: str | Path,
    images: Iterable[Image.Image | np.ndarray],
    per_folder: int = 1000,
    license_text: str = TREE_LICENSE,
) -> Path:
    """Write images as PNGs in FFHQ's layout under ``root/thumbnails128x128/``.

    Accepts PIL images or uint8 arrays (H, W), (H, W, 3) or (H, W, 4); each keeps its mode.
    ``per_folder`` is 1,000 in the real data; smaller values let tests build nested trees
    from few images. Writes ``LICENSE.txt`` beside the folders. Returns the tree's folder.
    """
    tree = Path(root) / FOLDER
    tree.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        folder = tree / f"{i // per_folder * per_folder:05d}"  # image_path(i) for per_folder=1000
        folder.mkdir(exist_ok=True)
        picture = image if isinstance(image, Image.Image) else Image.fromarray(_check_uint8(image))
        picture.save(folder / f"{i:05d}.png")
    (tree / "LICENSE.txt").write_text(license_text)
    return tree


def write_ffhq_fixture(
    root: str | Path, n: int, size: int = 128, mode: str = "RGB", per_folder: int = 1000, seed: int = 0
) -> Path:
    """Write ``n`` synthetic smooth images (a colour gradient plus a blob) for tests.

    ``mode`` is the PNG mode: "RGB" like the real data, or "L" / "RGBA", which a correct
    ``Dataset`` must convert to RGB. Deterministic for a ``seed``. Returns the tree's folder.
    """
    if mode not in {"RGB", "L", "RGBA"}:
        raise ValueError(f"mode must be 'RGB', 'L' or 'RGBA', not {mode!r}")
    rng = np.random.default_rng(seed)
    grid = np.linspace(0.0, 1.0, size)
    y, x = np.meshgrid(grid, grid, indexing="ij")
    images = []
    for _ in range(n):
        low, high = rng.uniform(0.0, 1.0, (2, 3))
        angle = rng.uniform(0.0, 2 * np.pi)
        ramp = 0.5 + 0.5 * ((x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle)) * np.sqrt(2)
        centre, width = rng.uniform(0.2, 0.8, 2), rng.uniform(0.1, 0.3)
        blob = np.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * width**2))
        rgb = low + (high - low) * ramp[..., None] + 0.4 * blob[..., None] * rng.uniform(-1, 1, 3)
        images.append(Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)).convert(mode))
    tree = write_ffhq_tree(root, images, per_folder)
    _write_standin_note(tree, f"{n} synthetic {size}x{size} gradient-and-blob test images, PNG mode {mode}.")
    return tree


def write_ffhq_standin(root: str | Path, n: int = STANDIN_FACES) -> Path:
    """Write up to 100 real face photographs, upscaled, in FFHQ's layout.

    The faces are scikit-image's ``data.lfw_subset()`` (25x25 grey crops from Labeled Faces
    in the Wild; its last 100 patches are non-faces and are left out), resized to 128x128
    and stored as RGB PNGs. Returns the tree's folder.
    """
    if not 1 <= n <= STANDIN_FACES:
        raise ValueError(f"the stand-in has 1 to {STANDIN_FACES} faces, not {n}")
    from skimage import data

    faces = np.round(data.lfw_subset()[:n] * 255).astype(np.uint8)
    images = (Image.fromarray(face).resize((128, 128), Image.Resampling.BICUBIC).convert("RGB") for face in faces)
    source = (
        f"{n} face crops from Labeled Faces in the Wild (LFW), as shipped by scikit-image\n"
        "(`skimage.data.lfw_subset()`, 25x25 grey), resized to 128x128 and stored as RGB.\n"
        "They are not FFHQ images. LFW: University of Massachusetts Amherst; the photographs\n"
        "are news photos collected from the web, distributed for research.\n"
    )
    tree = write_ffhq_tree(root, images, license_text=source)
    _write_standin_note(tree, source)
    return tree


def ffhq_split_sizes(n: int) -> tuple[int, int]:
    """``(n_train, n_val)`` by FFHQ's convention: the first 60,000 train, the last 10,000 val.

    Smaller trees keep that 6:1 proportion (the last ``round(n / 7)`` images, at least one,
    validate) and use every image.
    """
    if n < 2:
        raise ValueError(f"need at least 2 images to split, got {n}")
    n_val = max(1, round(n * (FFHQ_NUM_IMAGES - FFHQ_NUM_TRAIN) / FFHQ_NUM_IMAGES))
    return n - n_val, n_val


def _check_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))):
        raise ValueError(f"expected a uint8 (H, W), (H, W, 3) or (H, W, 4) array, got {image.dtype} {image.shape}")
    return image


def _write_standin_note(tree: Path, what: str) -> None:
    (tree / "STAND-IN.md").write_text(
        "# Not FFHQ\n\n"
        "These files are in the on-disk layout of FFHQ's `thumbnails128x128` folder but hold:\n"
        f"{what}\n"
    )
