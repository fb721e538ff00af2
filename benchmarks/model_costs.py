"""What each model setting of the notebook costs: the figures of its cost table.

For every setting: parameters, training FLOP per image (3x the forward pass's conv/linear
FLOPs, counted by ``torch.utils.flop_counter``), memory for weights + gradients + Adam's two
moments (16 bytes per parameter, fp32; activations come on top), training images/s **measured
here on the CPU** (one full step: forward, vae_loss, backward, Adam; best of a few), and time
per epoch: measured on one core of this CPU (CPU time, so other jobs on a shared machine do not
skew it; a laptop's 4 cores train about 3x faster), and **estimated from the FLOP count** for a
laptop GPU and a T4 (no GPU is measured here; see ``GPUS`` for the assumptions).

    PYTHONPATH=. python benchmarks/model_costs.py [--quick]
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from tqdm.auto import tqdm

from vae_course.notebook_code import load_definitions
from vae_course.settings import Settings
from vae_course.train.config import REFERENCE_NOTEBOOK

# Sustained fp32 throughput assumed for these small convolutions: 35% of the card's fp32 peak.
UTILISATION = 0.35
GPUS = {"laptop GPU": 5.0e12, "T4": 8.1e12}  # fp32 peak FLOP/s: e.g. an RTX 3050 Laptop; NVIDIA T4
ADAM_BYTES_PER_PARAMETER = 16  # fp32 weight, gradient and Adam's two moments
BATCH = 32


@dataclass(frozen=True)
class Setting:
    """One model as the notebook trains it, and the images one epoch of it sees."""

    name: str
    build: Callable[[dict], nn.Module]
    image_shape: tuple[int, int, int]
    epoch_images: int
    cpu_epoch_images: int | None = None  # the notebook's CPU subset, where it uses one
    measure: bool = True  # measured on this CPU (the largest are only counted)


def settings_of_the_notebook(course: Settings) -> list[Setting]:
    face = dict(latent_dim=course.face_latent_dim, num_layers=4, image_size=128)
    cpu_face_images = course.cpu_face_steps * course.batch_size
    return [
        Setting("Task 1: VAE() on MNIST", lambda d: d["VAE"](), (1, 28, 28), 60000),
        Setting(f"Task 1: ConvVAE(hidden_dim={course.cpu_hidden_dim}), CPU default",
                lambda d: d["ConvVAE"](hidden_dim=course.cpu_hidden_dim), (3, 32, 32), 50000),
        Setting(f"Task 1: ConvVAE() seed size (hidden_dim={course.full_hidden_dim}), GPU default",
                lambda d: d["ConvVAE"](hidden_dim=course.full_hidden_dim), (3, 32, 32), 50000),
        Setting(f"Task 3: faces, hidden_dim={course.cpu_face_hidden_dim}, latent {course.face_latent_dim}, CPU default"
                f" ({course.cpu_face_steps} batches an epoch)",
                lambda d: d["ConvVAE"](hidden_dim=course.cpu_face_hidden_dim, **face), (3, 128, 128), 60000,
                cpu_face_images),
        Setting(f"Task 3: faces, hidden_dim={course.full_face_hidden_dim}, latent {course.face_latent_dim}, GPU default",
                lambda d: d["ConvVAE"](hidden_dim=course.full_face_hidden_dim, **face), (3, 128, 128), 60000),
        Setting("Task 3: faces at the seed's width (hidden_dim=400, latent 128), not used",
                lambda d: d["ConvVAE"](hidden_dim=400, **face), (3, 128, 128), 60000, measure=False),
    ]


def training_flops_per_image(model: nn.Module, image_shape: tuple[int, int, int]) -> float:
    """Forward + backward FLOPs per image: 3x the forward pass's (backward costs about twice forward)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.rand(1, *image_shape))
    return 3 * counter.get_total_flops()


def cpu_images_per_second(model: nn.Module, loss: Callable, image_shape: tuple[int, int, int], steps: int) -> float:
    """Training images per second of one CPU core: the best of ``steps`` steps after a warm-up step.

    One thread, timed by the CPU time it used (``time.thread_time``), not the wall clock: on a
    machine shared with other jobs that is the figure that does not depend on their load.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(BATCH, *image_shape)

    def step() -> float:
        began = time.thread_time()
        x_hat, mu, logvar = model(x)
        value = loss(x_hat, x, mu, logvar)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        return time.thread_time() - began

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        step()
        return BATCH / min(step() for _ in range(steps))
    finally:
        torch.set_num_threads(threads)


def duration(seconds: float) -> str:
    if seconds < 1:
        return "< 1 s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two timed steps per model instead of five")
    args = parser.parse_args()
    definitions = load_definitions(REFERENCE_NOTEBOOK)
    torch.manual_seed(0)
    rows, course = [], Settings()
    for setting in tqdm(settings_of_the_notebook(course), desc="settings"):
        model = setting.build(definitions)
        parameters = sum(p.numel() for p in model.parameters())
        flops = training_flops_per_image(model, setting.image_shape)
        rate = (cpu_images_per_second(model, definitions["vae_loss"], setting.image_shape, 2 if args.quick else 5)
                if setting.measure else None)
        rows.append((setting, parameters, flops, rate))
        del model
    print(f"torch {torch.__version__}, CPU columns: one core, batch {BATCH}; GPU columns are "
          f"estimates: FLOP per epoch / ({UTILISATION:.0%} of fp32 peak: "
          + ", ".join(f"{name} {peak / 1e12:.1f} TFLOP/s" for name, peak in GPUS.items()) + ")\n")
    print("| setting | parameters | GFLOP / training image | weights + Adam | images/s, one CPU core (measured) "
          "| epoch, one CPU core (measured) | " + " | ".join(f"epoch, {name} (estimate)" for name in GPUS) + " |")
    print("|---|---|---|---|---|---|" + "---|" * len(GPUS))
    for setting, parameters, flops, rate in rows:
        memory = parameters * ADAM_BYTES_PER_PARAMETER / 2**20
        if rate is None:
            cpu_rate = cpu_epoch = "not measured"
        else:
            cpu_rate = f"{rate:,.0f}"
            cpu_epoch = duration(setting.epoch_images / rate)
            if setting.cpu_epoch_images:
                subset, epochs = setting.cpu_epoch_images, course.epochs
                cpu_epoch += (f"; the notebook's {subset:,}-image epochs: {duration(subset / rate)} each, "
                              f"{duration(epochs * subset / rate)} for {epochs}")
        gpu = [duration(setting.epoch_images * flops / (UTILISATION * peak)) for peak in GPUS.values()]
        print(f"| {setting.name} | {parameters / 1e6:.2f} M | {flops / 1e9:.3g} | {memory:,.0f} MiB | {cpu_rate} "
              f"| {cpu_epoch} | " + " | ".join(gpu) + " |")


if __name__ == "__main__":
    main()
