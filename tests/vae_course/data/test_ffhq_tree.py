"""vae_course.data.ffhq writes FFHQ's thumbnails128x128 layout, modes and split sizes."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from vae_course.data.ffhq import (
    FFHQ_NUM_IMAGES,
    METADATA_JSON,
    check_ffhq_tree,
    image_path,
    ffhq_split_sizes,
    write_ffhq_fixture,
    write_ffhq_standin,
    write_ffhq_tree,
)


def test_tree_layout_with_nested_folders(tmp_path):
    images = [np.full((8, 8, 3), i, np.uint8) for i in range(7)] + [Image.new("L", (8, 8), 200)]
    tree = write_ffhq_tree(tmp_path, images, per_folder=3, license_text="terms\n")
    assert tree == tmp_path / "thumbnails128x128"
    assert sorted(p.name for p in tree.iterdir()) == ["00000", "00003", "00006", "LICENSE.txt"]
    assert sorted(p.name for p in (tree / "00003").iterdir()) == ["00003.png", "00004.png", "00005.png"]
    assert (tree / "LICENSE.txt").read_text() == "terms\n"
    assert np.asarray(Image.open(tree / "00006" / "00006.png")).tolist() == images[6].tolist()
    assert Image.open(tree / "00006" / "00007.png").mode == "L"


def test_default_folders_hold_a_thousand(tmp_path):
    tree = write_ffhq_tree(tmp_path, (np.zeros((2, 2), np.uint8) for _ in range(1001)))
    assert [p.name for p in sorted((tree / "01000").iterdir())] == ["01000.png"]
    assert len(list((tree / "00000").iterdir())) == 1000
    assert "not FFHQ" in (tree / "LICENSE.txt").read_text()


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_fixture_modes_and_size(tmp_path, mode):
    tree = write_ffhq_fixture(tmp_path, n=5, size=16, mode=mode, per_folder=2)
    files = sorted(tree.glob("*/*.png"))
    assert [f"{p.parent.name}/{p.name}" for p in files] == [
        "00000/00000.png", "00000/00001.png", "00002/00002.png", "00002/00003.png", "00004/00004.png"
    ]
    image = Image.open(files[0])
    assert image.mode == mode and image.size == (16, 16)
    assert (tree / "LICENSE.txt").is_file() and (tree / "STAND-IN.md").is_file()


def test_fixture_is_deterministic_and_smooth(tmp_path):
    a = write_ffhq_fixture(tmp_path / "a", n=2, size=32, seed=4)
    b = write_ffhq_fixture(tmp_path / "b", n=2, size=32, seed=4)
    pixels = np.asarray(Image.open(a / "00000" / "00001.png"), dtype=float)
    assert pixels.tolist() == np.asarray(Image.open(b / "00000" / "00001.png"), dtype=float).tolist()
    assert np.abs(np.diff(pixels, axis=0)).max() < 40 and pixels.std() > 1


def test_standin_is_faces_in_rgb(tmp_path):
    tree = write_ffhq_standin(tmp_path)
    files = sorted(tree.glob("*/*.png"))
    assert len(files) == 100 and files[-1].name == "00099.png"
    image = Image.open(files[0])
    assert image.mode == "RGB" and image.size == (128, 128)
    assert "Labeled Faces in the Wild" in (tree / "LICENSE.txt").read_text()
    assert "not FFHQ" in (tree / "STAND-IN.md").read_text()
    with pytest.raises(ValueError):
        write_ffhq_standin(tmp_path / "more", n=101)


def test_split_sizes():
    assert FFHQ_NUM_IMAGES == 70000
    assert ffhq_split_sizes(70000) == (60000, 10000)
    assert ffhq_split_sizes(100) == (86, 14)
    assert ffhq_split_sizes(2) == (1, 1)
    for n in range(2, 300):
        n_train, n_val = ffhq_split_sizes(n)
        assert n_train + n_val == n and n_val >= 1 and abs(n_train - 6 * n_val) <= 7
    with pytest.raises(ValueError):
        ffhq_split_sizes(1)


def _metadata(tree, indices, corrupt=()) -> None:
    """NVIDIA's ffhq-dataset-v2.json, reduced to the thumbnail entries of ``indices``."""
    entries = {}
    for i in indices:
        digest = hashlib.md5((tree / image_path(i)).read_bytes()).hexdigest()
        entries[str(i)] = {"thumbnail": {"file_path": f"thumbnails128x128/{image_path(i)}",
                                         "file_md5": "0" * 32 if i in corrupt else digest}}
    (tree.parent / METADATA_JSON).write_text(json.dumps(entries))


def test_integrity_check_reports_a_truncated_tree(tmp_path):
    """A tree cut off after 2,801 images, without its licence: are the missing count, the
    licence and the checksums of the sample (one image altered) all reported?"""
    tree = write_ffhq_tree(tmp_path, (np.full((2, 2, 3), i % 256, np.uint8) for i in range(2801)))
    (tree / "LICENSE.txt").unlink()
    (tree / image_path(1400)).unlink()  # a hole, not only a cut
    _metadata(tree, [i for i in range(0, 2801) if i != 1400], corrupt={2800})
    report = check_ffhq_tree(tree, sample=50)
    assert report.images == 2800
    assert len(report.missing) == FFHQ_NUM_IMAGES - 2800
    assert report.missing[:2] == ("01000/01400.png", "02000/02801.png")
    assert not report.license and not report.ok
    assert report.checked == 2  # images 0 and 2800 of the sample (every 1,400th; 1400 is missing)
    assert report.mismatched == ("02000/02800.png",)
    summary = report.summary()
    assert "67,200 of 70,000 images are missing" in summary and "LICENSE.txt is missing" in summary
    assert "1 differ (02000/02800.png)" in summary


def test_integrity_check_without_metadata_says_so(tmp_path):
    tree = write_ffhq_tree(tmp_path, [np.zeros((2, 2, 3), np.uint8)] * 3)
    report = check_ffhq_tree(tree)
    assert report.checked == 0 and report.license
    assert "no ffhq-dataset-v2.json beside the folder" in report.summary()
