"""Hidden checks of FFHQDataset."""
from pathlib import Path

import torch
from PIL import Image

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.assignment.fixtures import ffhq_fixture, rgb_tensor


def expected_items(root: Path) -> list[torch.Tensor]:
    """What a correct FFHQDataset returns: every PNG below root, sorted, as RGB tensors (grader only)."""
    items = []
    for path in sorted(root.rglob("*.png")):
        with Image.open(path) as image:
            items.append(rgb_tensor(image))
    return items


@check("ffhq.sorted_recursive", part="FFHQDataset", points=2,
       feedback="Item i must be the i-th PNG in sorted order over all subfolders: sorted(Path(root).rglob('*.png')).")
def items_follow_sorted_recursive_order(student):
    """On a tree of 23 images in 6 folders, is every item the image at that position in sorted order?"""
    root = ffhq_fixture(student.data_dir, "ffhq-nested", 23, 8, "RGB", 4)
    indices = list(range(23))
    result = student.probe("dataset_items", str(root), indices, None)
    assert result["length"] == 23, f"the dataset has {result['length']} items, expected 23"
    expected = expected_items(root)
    for i, item in zip(indices, result["items"]):
        expect.close(item, expected[i], f"item {i}", atol=1e-6)


@check("ffhq.grey_and_rgba_to_rgb", part="FFHQDataset", points=1,
       feedback="Convert every image with .convert('RGB'): grey (L) images must get 3 channels and RGBA images "
                "must lose their alpha channel.")
def grey_and_rgba_images_become_rgb(student):
    """Are grey and RGBA thumbnails returned as 3-channel RGB tensors?"""
    for mode in ("L", "RGBA"):
        root = ffhq_fixture(student.data_dir, f"ffhq-{mode}", 3, 8, mode, 1000)
        result = student.probe("dataset_items", str(root), [0, 2], None)
        for index, item in zip([0, 2], result["items"]):
            expect.close(item, expected_items(root)[index], f"item {index} of a {mode} tree", atol=1e-6)


@check("ffhq.transform_output", part="FFHQDataset", points=1,
       feedback="When a transform is given, return transform(image) where image is the RGB PIL image.")
def applies_the_transform_to_the_pil_image(student):
    """Is a given transform applied to the RGB PIL image?"""
    root = ffhq_fixture(student.data_dir, "ffhq-32", 2, 32, "RGB", 1000)
    resized = student.probe("dataset_items", str(root), [1], "resize16")["items"]
    assert resized and tuple(resized[0].shape) == (3, 16, 16), "the transform was not applied"
    sizes = student.probe("dataset_items", str(root), [0], "size")["items"]
    assert sizes and torch.equal(sizes[0], torch.tensor([32, 32])), "the transform did not receive the PIL image"
