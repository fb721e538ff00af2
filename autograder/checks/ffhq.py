"""Public checks of FFHQDataset, on thumbnail trees in FFHQ's layout written by the grader."""
import torch

from autograder.framework import expect
from autograder.framework.registry import check
from autograder.assignment.fixtures import ffhq_fixture, written_image


@check("ffhq.length_and_items", part="FFHQDataset", points=1,
       feedback="List every .png below root, in subfolders too (Path(root).rglob('*.png'), which skips LICENSE.txt), "
                "sorted; __len__ is their number and __getitem__(i) returns image i as a float tensor (3, H, W) in "
                "[0, 1].")
def counts_the_pngs_and_returns_them_in_order(student):
    """On a tree of 12 thumbnails in 3 folders with a LICENSE.txt, is the length 12 and are items 0, 5 and 11 the images 0, 5 and 11?"""
    root = ffhq_fixture(student.data_dir, "ffhq-rgb", 12, 16, "RGB", 5)
    result = student.probe("dataset_items", str(root), [0, 5, 11], None)
    assert result["length"] == 12, f"the dataset has {result['length']} items, expected 12"
    for index, item in zip([0, 5, 11], result["items"]):
        expect.close(item, written_image(root, index, 5), f"item {index}", atol=1e-6)


@check("ffhq.rgb_and_transform", part="FFHQDataset", points=1,
       feedback="Convert every image with .convert('RGB') (grey images get 3 channels, RGBA images lose alpha) and, "
                "when a transform is given, return transform(image) of that RGB PIL image.")
def grey_images_become_rgb_and_the_transform_is_applied(student):
    """Is a grey thumbnail returned as 3 equal channels, and does a given transform receive the PIL image?"""
    grey = ffhq_fixture(student.data_dir, "ffhq-grey-public", 2, 8, "L", 1000)
    item = student.probe("dataset_items", str(grey), [1], None)["items"][0]
    expect.close(item, written_image(grey, 1, 1000), "item 1 of a grey tree", atol=1e-6)
    sizes = student.probe("dataset_items", str(grey), [0], "size")["items"]
    assert sizes and torch.equal(sizes[0], torch.tensor([8, 8])), "the transform did not receive the PIL image"
