"""vae_course.data.sources: real data when present, else a stand-in written once."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from torchvision.datasets import CIFAR10, MNIST
from torchvision.transforms import ToTensor

from vae_course.data import sources
from vae_course.data.cifar10 import accept_fixture_checksums, write_cifar10_format
from vae_course.data.ffhq import write_ffhq_tree
from vae_course.data.mnist import write_mnist_format
from vae_course.settings import Settings


def offline(tmp_path) -> Settings:
    return Settings(offline=True, data_dir=tmp_path)


@pytest.mark.parametrize("name", ["cifar10", "mnist", "ffhq"])
def test_offline_writes_the_standin_once_and_reuses_it(tmp_path, capsys, monkeypatch, name):
    root_of = getattr(sources, f"{name}_root")
    root = root_of(offline(tmp_path))
    assert root == tmp_path / "standin" / name / ("thumbnails128x128" if name == "ffhq" else "")
    assert "not the real" in capsys.readouterr().out
    assert [p.name for p in (tmp_path / "standin").iterdir()] == [name]  # no partial folder left

    def fail(_root):
        raise AssertionError("the stand-in was written again")

    title, _, what = sources.STANDINS[name]
    monkeypatch.setitem(sources.STANDINS, name, (title, fail, what))
    assert root_of(offline(tmp_path)) == root
    assert capsys.readouterr().out.count("\n") == 1
    assert LOADS[name](root) > 0


def _load_cifar10(root) -> int:
    with accept_fixture_checksums(root):
        return len(CIFAR10(root, train=False, download=True, transform=ToTensor()))


LOADS = {  # what student code does with the root
    "cifar10": _load_cifar10,
    "mnist": lambda root: len(MNIST(root, train=False, download=True)),
    "ffhq": lambda root: len(list(root.glob("*/*.png"))),
}


def test_detects_real_cifar10_by_torchvision_md5s(tmp_path, monkeypatch, capsys):
    images = np.zeros((10, 32, 32, 3), np.uint8)
    folder = write_cifar10_format(tmp_path, images, [0] * 10, images[:2], [0, 0], ["x"])
    assert not sources.is_real_cifar10(tmp_path)  # our fixture, recognised by fixture.json
    md5 = json.loads((folder / "fixture.json").read_text())["md5"]
    (folder / "fixture.json").unlink()
    assert not sources.is_real_cifar10(tmp_path)  # wrong MD5s for upstream
    # Pretend these are upstream's files by making them upstream's checksums.
    monkeypatch.setattr(CIFAR10, "train_list", [[f"data_batch_{i}", md5[f"data_batch_{i}"]] for i in range(1, 6)])
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": md5["batches.meta"]})
    assert sources.cifar10_root(offline(tmp_path)) == tmp_path
    assert capsys.readouterr().out == "" and not (tmp_path / "standin").exists()


def test_detects_real_mnist_by_idx_headers(tmp_path, capsys):
    small = np.zeros((3, 28, 28), np.uint8)
    write_mnist_format(tmp_path, small, [0, 1, 2], small, [0, 1, 2])
    assert not sources.is_real_mnist(tmp_path)
    write_mnist_format(tmp_path, np.zeros((60000, 28, 28), np.uint8), np.zeros(60000, np.uint8),
                       np.zeros((10000, 28, 28), np.uint8), np.zeros(10000, np.uint8))
    assert sources.mnist_root(offline(tmp_path)) == tmp_path
    assert capsys.readouterr().out == ""


def test_detects_real_ffhq_layout_but_not_standins(tmp_path):
    write_ffhq_tree(tmp_path, [np.zeros((4, 4, 3), np.uint8)] * 3, license_text="CC BY-NC-SA 4.0\n")
    assert sources.ffhq_root(offline(tmp_path)) == tmp_path / "thumbnails128x128"
    standin = sources.ffhq_root(offline(tmp_path / "elsewhere"))
    assert not sources.is_real_ffhq(standin.parent)


def test_real_ffhq_and_the_standin_never_mix(tmp_path, capsys):
    """With an earlier run's stand-in under data/standin/ and real-format data put in later,
    does the root handed to the Dataset hold only the real tree's PNGs, and the other way round?"""
    sources.ffhq_root(offline(tmp_path))  # an earlier run, before the real data arrived
    standin_pngs = set((tmp_path / "standin").rglob("*.png"))
    assert len(standin_pngs) == 100
    real = write_ffhq_tree(tmp_path, [np.full((4, 4, 3), i, np.uint8) for i in range(5)],
                           license_text="CC BY-NC-SA 4.0\n")
    root = sources.ffhq_root(offline(tmp_path))
    assert sorted(root.rglob("*.png")) == sorted(real.rglob("*.png"))  # what a recursive Dataset lists
    assert "69,995 of 70,000 images are missing" in capsys.readouterr().out
    shutil.rmtree(real)
    assert set(sources.ffhq_root(offline(tmp_path)).rglob("*.png")) == standin_pngs


def test_online_failure_falls_back_fast(tmp_path, monkeypatch, capsys):
    # Nothing listens on port 9 here: torchvision's real download code fails at once.
    monkeypatch.setattr(CIFAR10, "url", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    for name, (title, _, what) in list(sources.STANDINS.items()):  # writing them is tested above
        monkeypatch.setitem(sources.STANDINS, name, (title, lambda root: root, what))
    settings = Settings(offline=False, data_dir=tmp_path)
    assert sources.cifar10_root(settings) == tmp_path / "standin" / "cifar10"
    assert sources.mnist_root(settings) == tmp_path / "standin" / "mnist"
    assert sources.ffhq_root(settings) == tmp_path / "standin" / "ffhq" / "thumbnails128x128"
    out = capsys.readouterr().out
    assert "Could not download CIFAR-10" in out and "Could not download MNIST" in out
    assert "thumbnails128x128" in out and out.count("not the real") == 3


def test_interrupted_write_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(root):
        (root / "half").write_text("")
        raise OSError("disk full")

    title, _, what = sources.STANDINS["ffhq"]
    monkeypatch.setitem(sources.STANDINS, "ffhq", (title, broken, what))
    with pytest.raises(OSError):
        sources.standin_root("ffhq", tmp_path)
    assert list((tmp_path / "standin").iterdir()) == []
