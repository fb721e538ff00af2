"""One training run's settings, and the ``train`` command line built from them.

The dataclass is the one definition of the trainer's options and defaults: each field's
metadata holds its help text (and flag or choices where they differ from the field's name and
type), so the command line cannot drift from what ``train`` accepts.
"""
from __future__ import annotations

import argparse
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints

from vae_course.data.splits import DATASETS
from vae_course.settings import Settings, course_settings

REFERENCE_NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "vae" / "vae.ipynb"
MNIST_HIDDEN_DIM = 400  # the notebook's VAE
MNIST_BATCH_SIZE = 128  # as pytorch/examples


def _option(default: Any, explanation: str, flag: str | None = None, choices: tuple[str, ...] | None = None,
            command_line: bool = True) -> Any:
    """A field with a default and what the command line says about it."""
    return field(default=default, metadata={"help": explanation, "flag": flag, "choices": choices,
                                            "command_line": command_line})


@dataclass(frozen=True)
class TrainConfig:
    """One training run, as given on the command line (None: a default that depends on the run)."""

    dataset: str = field(metadata={"help": "what to train on", "choices": DATASETS})
    out: Path | None = _option(None, "run folder (default: runs/DATASET); an existing run there is resumed")
    data_dir: Path | None = _option(None, "data folder (default: $VAE_COURSE_DATA or data/)", flag="--data")
    epochs: int = _option(10, "epochs to train, counting those a resumed run already has")
    hidden_dim: int | None = _option(None, f"model width (default: {MNIST_HIDDEN_DIM} for MNIST; ConvVAE: "
                                     f"{Settings.full_hidden_dim} on CUDA, {Settings.cpu_hidden_dim} elsewhere)")
    device: str = _option("auto", "where to train", choices=("auto", "cpu", "cuda", "mps"))
    max_steps: int | None = _option(None, "at most this many batches per epoch")
    notebook: Path = _option(REFERENCE_NOTEBOOK, "train the definitions of this (trusted) notebook")
    seed: int = _option(0, "initial weights, shuffling and noise")
    batch_size: int | None = _option(None, f"per process (default: {MNIST_BATCH_SIZE} MNIST, "
                                     f"{Settings.batch_size} others)")
    lr: float = _option(1e-3, "Adam's learning rate")
    workers: int = _option(0, "DataLoader worker processes")
    offline: bool = _option(False, "never download, whatever the environment says", command_line=False)

    def course_settings(self) -> Settings:
        """The course settings from the environment, with this run's data folder and offline wish."""
        settings = course_settings()
        return replace(settings, data_dir=self.data_dir or settings.data_dir, offline=settings.offline or self.offline)

    def resolved(self, settings: Settings, device_type: str) -> TrainConfig:
        """The defaults that depend on the dataset, the device and the environment, filled in."""
        mnist = self.dataset == "mnist"
        hidden = self.hidden_dim or (MNIST_HIDDEN_DIM if mnist else settings.hidden_dim(device_type))
        batch = self.batch_size or (MNIST_BATCH_SIZE if mnist else settings.batch_size)
        return replace(self, out=self.out or Path("runs") / self.dataset, hidden_dim=hidden, batch_size=batch,
                       data_dir=settings.data_dir)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One argument per command-line field of ``TrainConfig``: positional where it has no default."""
    hints = get_type_hints(TrainConfig)
    for option in fields(TrainConfig):
        about = option.metadata
        if about.get("command_line") is False:
            continue
        kind = next((t for t in get_args(hints[option.name]) if t is not type(None)), hints[option.name])
        if option.default is MISSING:
            parser.add_argument(option.name, type=kind, choices=about["choices"], help=about["help"])
        else:
            flag = about["flag"] or "--" + option.name.replace("_", "-")
            parser.add_argument(flag, dest=option.name, metavar=flag[2:].replace("-", "_").upper(), type=kind,
                                choices=about["choices"], default=option.default, help=about["help"])


def config_from_arguments(args: argparse.Namespace) -> TrainConfig:
    """The ``TrainConfig`` that parsed command-line arguments describe."""
    return TrainConfig(**{option.name: getattr(args, option.name) for option in fields(TrainConfig)
                          if option.metadata.get("command_line") is not False})
