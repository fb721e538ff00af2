"""A dataset's training and test images as the trainer loads them, and whether they are a stand-in."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import Dataset, Subset

from vae_course.data.cifar10 import accept_fixture_checksums
from vae_course.data.ffhq import ffhq_split_sizes
from vae_course.data.sources import cifar10_root, ffhq_root, mnist_root
from vae_course.settings import Settings

DATASETS = ("mnist", "cifar10", "ffhq")
TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "ffhq": "FFHQ"}


@dataclass(frozen=True)
class Splits:
    """A dataset's training and test images, and what they really are."""

    train: Dataset
    test: Dataset
    dataset: str  # one of DATASETS
    root: Path
    is_standin: bool  # an offline stand-in in the dataset's format, not the dataset itself

    @property
    def title(self) -> str:
        """The dataset's name for figures, saying "stand-in" when it is one."""
        return TITLES[self.dataset] + (" stand-in" if self.is_standin else "")

    @property
    def description(self) -> str:
        """What was loaded from where, and how many images: the line a run prints first."""
        what = f"{self.dataset} stand-in" if self.is_standin else self.dataset
        return f"{what} at {self.root}: {len(self.train):,} train, {len(self.test):,} test images"


def load_splits(dataset: str, settings: Settings, definitions: dict[str, object]) -> Splits:
    """Training and test sets, through the notebook's own data code where it has some."""
    from torchvision import datasets, transforms

    if dataset == "mnist":
        root = mnist_root(settings)
        to_tensor = transforms.ToTensor()
        train, test = (datasets.MNIST(root, train=split, transform=to_tensor) for split in (True, False))
    elif dataset == "cifar10":
        root = cifar10_root(settings)
        with accept_fixture_checksums(root):
            train_loader, test_loader = definitions["make_cifar10_loaders"](root, download=False)
        train, test = train_loader.dataset, test_loader.dataset
    elif dataset == "ffhq":
        root = ffhq_root(settings)
        faces = definitions["FFHQDataset"](root)
        n_train, n_val = ffhq_split_sizes(len(faces))
        train, test = Subset(faces, range(n_train)), Subset(faces, range(n_train, n_train + n_val))
    else:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    return Splits(train, test, dataset, Path(root), is_standin=settings.data_dir / "standin" in Path(root).parents)
