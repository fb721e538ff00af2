"""All run-time settings of the course in one dataclass, read from the environment once.

Fast mode exists so that CI and ``nbgrader autograde`` can execute a whole notebook in
minutes: it trains for a handful of steps on small offline stand-in data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FAST_ENV = "VAE_COURSE_FAST"
OFFLINE_ENV = "VAE_COURSE_OFFLINE"
DATA_ENV = "VAE_COURSE_DATA"
NBGRADER_ENV = "NBGRADER_EXECUTION"
FAST_NBGRADER_STEPS = {"autograde", "validate"}  # nbgrader's re-execution and its Validate button run in fast mode
SOURCE_FOLDER = "solutions"  # nbgrader's source directory (nbgrader_config.py): copied to students file by file
SOLUTION_RUNS = Path("build") / "solution-runs"  # where a run of a source notebook writes instead


def _flag_is_on(name: str) -> bool:
    """Whether environment variable ``name`` says yes (1, true, yes, on)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """What a notebook or the trainer needs to know about this run."""

    fast: bool = False
    offline: bool = False
    data_dir: Path = Path("data")
    figure_dir: Path = Path("figures")
    checkpoint_dir: Path = Path("checkpoints")  # the notebook's training cells resume from here
    seed: int = 0
    epochs: int = 10
    max_steps: int | None = None
    batch_size: int = 32
    # ConvVAE width: the original assignment's full size (about 52.8 M parameters at 32x32) and a size a
    # laptop CPU trains in minutes. The notebook picks the full size only on a GPU.
    full_hidden_dim: int = 400
    cpu_hidden_dim: int = 32

    # Task 1's CIFAR-10 epochs on a CPU: cpu_cifar_steps batches (a third of CIFAR-10), so that both
    # CIFAR-10 models train in minutes on real data and as many steps on the small offline stand-in.
    cpu_cifar_steps: int = 500

    def hidden_dim(self, device_type: str) -> int:
        """The ConvVAE width to train with on this kind of device."""
        return self.full_hidden_dim if device_type == "cuda" else self.cpu_hidden_dim

    def cifar_steps(self, device_type: str) -> int | None:
        """Batches per CIFAR-10 epoch: the fast-mode limit, all on a GPU, ``cpu_cifar_steps`` on a CPU."""
        return self._epoch_steps(device_type, self.cpu_cifar_steps)

    def _epoch_steps(self, device_type: str, cpu_steps: int) -> int | None:
        """Fast mode's few steps; None (one pass over the training set) on a GPU; else ``cpu_steps``."""
        if self.max_steps is not None or device_type == "cuda":
            return self.max_steps
        return cpu_steps

    # The face model of Task 3 (ConvVAE with 4 layers at 128x128): sized so that a full FFHQ
    # epoch takes minutes on a T4 and the CPU subset about a quarter of an hour (the notebook's
    # cost table; benchmarks/model_costs.py). On a CPU each epoch is cpu_face_steps batches.
    face_latent_dim: int = 128
    full_face_hidden_dim: int = 64
    cpu_face_hidden_dim: int = 32
    cpu_face_steps: int = 140

    def face_hidden_dim(self, device_type: str) -> int:
        """The face model's width on this kind of device."""
        return self.full_face_hidden_dim if device_type == "cuda" else self.cpu_face_hidden_dim

    def face_steps(self, device_type: str) -> int | None:
        """Batches per face epoch: the fast-mode limit, all on a GPU, ``cpu_face_steps`` on a CPU."""
        return self._epoch_steps(device_type, self.cpu_face_steps)


def output_folder(workdir: Path) -> Path:
    """Where a notebook run in ``workdir`` writes its data, figures and checkpoints: ``workdir`` itself, except in
    an assignment folder of an nbgrader course's source directory (``solutions/<assignment>`` beside
    ``nbgrader_config.py``), whose every file nbgrader copies into the release and the students' folders; a run
    there writes to ``build/solution-runs/<assignment>`` of that course instead."""
    course = workdir.parent.parent
    if workdir.parent.name == SOURCE_FOLDER and (course / "nbgrader_config.py").is_file():
        return course / SOLUTION_RUNS / workdir.name
    return workdir


def course_settings() -> Settings:
    """Settings from the environment.

    ``VAE_COURSE_FAST=1`` (set automatically under ``nbgrader autograde`` and ``validate``) trains for a few
    steps on offline stand-in data; ``VAE_COURSE_OFFLINE=1`` never tries to download;
    ``VAE_COURSE_DATA`` says where datasets live. Relative folders are those of the working directory, or of
    ``build/solution-runs/`` for the reference solution in ``solutions/`` (``output_folder``).
    """
    fast = _flag_is_on(FAST_ENV) or os.environ.get(NBGRADER_ENV) in FAST_NBGRADER_STEPS
    workdir = Path.cwd()
    root = Path() if output_folder(workdir) == workdir else output_folder(workdir)  # relative paths stay relative
    return Settings(
        fast=fast,
        offline=fast or _flag_is_on(OFFLINE_ENV),
        data_dir=root / Path(os.environ.get(DATA_ENV, "data")).expanduser(),
        figure_dir=root / "figures",
        epochs=1 if fast else 10,
        checkpoint_dir=root / "checkpoints" / ("fast" if fast else "full"),
        max_steps=3 if fast else None,
    )
