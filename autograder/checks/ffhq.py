"""Public checks of FFHQDataset, on thumbnail trees in FFHQ's layout."""
from autograder import expect
from autograder.checks import check
from autograder.fixtures import expected_items, ffhq_fixture


@check("ffhq.length_and_items", task="FFHQDataset", points=2,
       feedback="List every .png below root (Path(root).rglob('*.png'), which skips LICENSE.txt), sorted; "
                "__len__ is their number and __getitem__ returns a float tensor (3, H, W) in [0, 1].")
def counts_the_pngs_and_returns_rgb_tensors(student):
    """On a tree of 12 thumbnails with a LICENSE.txt, is the length 12 and item 0 a (3, 16, 16) tensor in [0, 1]?"""
    root = ffhq_fixture(student.data_dir, "ffhq-rgb", 12, 16, "RGB", 5)
    result = student.probe("dataset_items", str(root), [0], None)
    assert result["length"] == 12, f"the dataset has {result['length']} items, expected 12"
    expect.close(result["items"][0], expected_items(root)[0], "item 0", atol=1e-6)
