"""What each model setting of the notebook costs: the figures of its appendix's cost table.

For every setting: parameters, training FLOP per image (3x the forward pass's conv/linear
FLOPs, counted by ``torch.utils.flop_counter`` on the meta device, so counting costs neither
time nor memory), memory for weights + gradients + Adam's two moments (16 bytes per parameter,
fp32; activations come on top), training images/s **measured here on the CPU** (one full step:
forward, vae_loss, backward, Adam; best of a few), and time per epoch: measured on one core of
this CPU (CPU time, so other jobs on a shared machine do not skew it; a laptop's 4 cores train
about 3x faster), and **estimated from the FLOP count** for a laptop GPU and a T4 (no GPU is
measured here; see ``GPUS`` for the assumptions). Everything but the measured rate is computed
by ``cost_table``, which ``tests/solutions/test_content_claims.py`` reruns on the rates the notebook prints.

    PYTHONPATH=. python benchmarks/model_costs.py [--quick]
"""
from __future__ import annotations

import argparse
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from tqdm.auto import tqdm

from vae_course.beta_sweep import BETAS
from vae_course.data.mnist import STANDIN_TRAIN_PER_CLASS
from vae_course.notebook_code import load_definitions
from vae_course.settings import Settings
from vae_course.train.config import MNIST_BATCH_SIZE, REFERENCE_NOTEBOOK

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
    """The models the notebook trains (and two it does not, for comparison), in the table's order."""
    face = dict(latent_dim=course.face_latent_dim, num_layers=4, image_size=128)
    cpu_face_images = course.cpu_face_steps * course.batch_size
    cpu_cifar_images = course.cpu_cifar_steps * course.batch_size
    return [
        Setting("Task 1: VAE() on MNIST", lambda d: d["VAE"](), (1, 28, 28), 60000),
        Setting(f"Task 1: VAE(image_shape=(3, 32, 32)) on CIFAR-10, CPU default ({course.cpu_cifar_steps} batches "
                "an epoch)", lambda d: d["VAE"](image_shape=(3, 32, 32)), (3, 32, 32), 50000, cpu_cifar_images),
        Setting(f"Task 1: ConvVAE(hidden_dim={course.cpu_hidden_dim}), CPU default ({course.cpu_cifar_steps} "
                "batches an epoch)", lambda d: d["ConvVAE"](hidden_dim=course.cpu_hidden_dim), (3, 32, 32), 50000,
                cpu_cifar_images),
        Setting(f"Task 1: ConvVAE() full size (hidden_dim={course.full_hidden_dim}), GPU default",
                lambda d: d["ConvVAE"](hidden_dim=course.full_hidden_dim), (3, 32, 32), 50000),
        Setting(f"Task 3: faces, hidden_dim={course.cpu_face_hidden_dim}, latent {course.face_latent_dim}, CPU default"
                f" ({course.cpu_face_steps} batches an epoch)",
                lambda d: d["ConvVAE"](hidden_dim=course.cpu_face_hidden_dim, **face), (3, 128, 128), 60000,
                cpu_face_images),
        Setting(f"Task 3: faces, hidden_dim={course.full_face_hidden_dim}, latent {course.face_latent_dim}, GPU default",
                lambda d: d["ConvVAE"](hidden_dim=course.full_face_hidden_dim, **face), (3, 128, 128), 60000),
        Setting(f"Task 3: faces, hidden_dim={course.full_face_hidden_dim}, latent 20 (Task 1's), not used",
                lambda d: d["ConvVAE"](hidden_dim=course.full_face_hidden_dim, **{**face, "latent_dim": 20}),
                (3, 128, 128), 60000, measure=False),
        Setting(f"Task 3: faces at Task 1's full width (hidden_dim={course.full_hidden_dim}, "
                f"latent {course.face_latent_dim}), not used",
                lambda d: d["ConvVAE"](hidden_dim=course.full_hidden_dim, **face), (3, 128, 128), 60000,
                measure=False),
    ]


SWEEP_STEPS = 1000  # the notebook's beta sweep: SETTINGS.max_steps or 1000 steps per beta
SWEEP_BATCH = MNIST_BATCH_SIZE  # of the notebook's MNIST training loader


@dataclass(frozen=True)
class CpuRun:
    """How many training images one model of the notebook goes through at the CPU defaults."""

    setting: str  # a Setting's name: the row whose rate times it
    real_images: int  # on the real dataset
    offline_images: int  # on the offline stand-in


def cpu_runs(course: Settings) -> list[CpuRun]:
    """Everything the notebook trains at the CPU defaults, on real data and offline (the stand-ins' sizes).

    MNIST's epochs are one pass (60,000 digits, the stand-in's 4,000); the CIFAR-10 and face epochs are a
    fixed number of batches on either; the beta sweep trains the MNIST VAE once per beta.
    """
    settings = settings_of_the_notebook(course)
    mnist = settings[0].name
    fc_cifar, conv_cifar, faces = (s.name for s in settings if s.cpu_epoch_images)  # the CPU defaults
    sweep = len(BETAS) * SWEEP_STEPS * SWEEP_BATCH
    cifar = course.epochs * course.cpu_cifar_steps * course.batch_size
    face = course.epochs * course.cpu_face_steps * course.batch_size
    return [
        CpuRun(mnist, course.epochs * 60000 + sweep, course.epochs * 10 * STANDIN_TRAIN_PER_CLASS + sweep),
        CpuRun(fc_cifar, cifar, cifar),
        CpuRun(conv_cifar, cifar, cifar),
        CpuRun(faces, face, face),
    ]


def cpu_run_seconds(runs: list[CpuRun], rates: dict[str, float]) -> tuple[float, float]:
    """One CPU core's training time for ``runs`` at ``rates`` (images/s by setting name): real data, offline."""
    return (sum(run.real_images / rates[run.setting] for run in runs),
            sum(run.offline_images / rates[run.setting] for run in runs))


def whole_run_sentence(course: Settings, rates: dict[str, float]) -> str:
    """What the appendix promises for the whole notebook at the CPU defaults, from the table's rates."""
    real, offline = cpu_run_seconds(cpu_runs(course), rates)
    return (f"At the CPU defaults the notebook trains for about {duration(real)} of one CPU core's time on the "
            f"real datasets and {duration(offline)} offline on the stand-ins")


TABLE_ROW = re.compile(r"^\| (?P<name>[^|]+) \| [^|]+ \| [^|]+ \| [^|]+ \| (?P<rate>[^|]+) \|", re.M)


def rates_in_table(text: str) -> dict[str, float | None]:
    """The measured rate of each row of a cost table (None where not measured), by setting name."""
    rows = {m["name"]: m["rate"] for m in TABLE_ROW.finditer(text) if m["name"] != "setting"}
    return {name: None if rate == "not measured" else float(rate.replace(",", "")) for name, rate in rows.items()
            if not rate.startswith("---")}


def training_flops_per_image(model: nn.Module, image_shape: tuple[int, int, int]) -> float:
    """Forward + backward FLOPs per image: 3x the forward pass's (backward costs about twice forward)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.rand(1, *image_shape, device=next(model.parameters()).device))
    return 3 * counter.get_total_flops()


@dataclass(frozen=True)
class Cost:
    """One setting's counted figures and its measured CPU rate (None where not measured)."""

    setting: Setting
    parameters: int
    flops: float  # training FLOP per image
    rate: float | None  # training images/s of one CPU core


def counted(setting: Setting, definitions: dict) -> tuple[int, float]:
    """Parameters and training FLOP per image, counted on the meta device (no weights are allocated)."""
    with torch.device("meta"):
        model = setting.build(definitions)
    return sum(p.numel() for p in model.parameters()), training_flops_per_image(model, setting.image_shape)


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
    """A time in the unit a reader wants, minutes to one decimal below 10 min (so that ten of them add up)."""
    if seconds < 1:
        return "< 1 s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 10 * 60:
        return f"{seconds / 60:.1f} min"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


TABLE_HEADER = ("| setting | parameters | GFLOP / training image | weights + Adam | images/s, one CPU core (measured) "
                "| epoch, one CPU core (measured) | " + " | ".join(f"epoch, {name} (estimate)" for name in GPUS) + " |")


def cost_table(costs: list[Cost], epochs: int) -> str:
    """The markdown table of the notebook's appendix: every figure but the measured rate follows from the counts."""
    lines = [TABLE_HEADER, "|---|---|---|---|---|---|" + "---|" * len(GPUS)]
    for cost in costs:
        setting = cost.setting
        memory = cost.parameters * ADAM_BYTES_PER_PARAMETER / 2**20
        if cost.rate is None:
            cpu_rate = cpu_epoch = "not measured"
        else:
            cpu_rate = f"{cost.rate:,.{max(0, 2 - math.floor(math.log10(cost.rate)))}f}"
            cpu_epoch = duration(setting.epoch_images / cost.rate)
            if setting.cpu_epoch_images:
                subset = setting.cpu_epoch_images
                cpu_epoch += (f"; the notebook's {subset:,}-image epochs: {duration(subset / cost.rate)} each, "
                              f"{duration(epochs * subset / cost.rate)} for {epochs}")
        gpu = [duration(setting.epoch_images * cost.flops / (UTILISATION * peak)) for peak in GPUS.values()]
        lines.append(f"| {setting.name} | {cost.parameters / 1e6:.2f} M | {cost.flops / 1e9:.3g} | {memory:,.0f} MiB "
                     f"| {cpu_rate} | {cpu_epoch} | " + " | ".join(gpu) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two timed steps per model instead of five")
    args = parser.parse_args()
    definitions = load_definitions(REFERENCE_NOTEBOOK)
    torch.manual_seed(0)
    costs, course = [], Settings()
    for setting in tqdm(settings_of_the_notebook(course), desc="settings"):
        parameters, flops = counted(setting, definitions)
        rate = None
        if setting.measure:
            model = setting.build(definitions)
            rate = cpu_images_per_second(model, definitions["vae_loss"], setting.image_shape, 2 if args.quick else 5)
            rate = float(f"{rate:.3g}")  # the printed rate, from which the table's epoch times follow
            del model
        costs.append(Cost(setting, parameters, flops, rate))
    print(f"torch {torch.__version__}, CPU columns: one core, batch {BATCH}; GPU columns are "
          f"estimates: FLOP per epoch / ({UTILISATION:.0%} of fp32 peak: "
          + ", ".join(f"{name} {peak / 1e12:.1f} TFLOP/s" for name, peak in GPUS.items()) + ")\n")
    print(cost_table(costs, course.epochs))
    print("\n" + whole_run_sentence(course, {c.setting.name: c.rate for c in costs if c.rate}) + ".")


if __name__ == "__main__":
    main()
