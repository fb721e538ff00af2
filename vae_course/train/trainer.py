"""The reference trainer behind ``python -m vae_course train``.

The model classes, the loss, the training loop and the data code come from a notebook's
graded definitions (the reference solution by default), never from this package, so the
trainer trains exactly what the course teaches and can train a student's own definitions as
well. It adds what a notebook leaves out: resumable checkpoints, seeds, several processes with
``torchrun``, bf16 autocast and channels-last on CUDA, and a full set of figures.

Loss is BCE summed over pixels plus KL, reported in nats/image. It grows with the number
of pixels, so it compares runs on the same dataset only (MNIST's 784 grey pixels and
CIFAR-10's 3,072 colour values give very different figures for equally good models).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from vae_course.checkpoints import CHECKPOINT_NAME, read_checkpoint, restore, save_checkpoint
from vae_course.data.splits import DATASETS, load_splits
from vae_course.devices import best_device
from vae_course.settings import Settings
from vae_course.train.compute_format import ComputeFormat
from vae_course.train.config import TrainConfig
from vae_course.train.distributed import World, barrier, close_world, init_world, mean_over_world
from vae_course.training import EpochBatches, evaluate

LOSS_CAVEAT = (
    "loss = BCE summed over pixels + KL, in nats/image: it scales with the image size, "
    "so compare it only between runs on the same dataset"
)
# The settings that must match for a checkpoint to be resumed.
RESUME_KEYS = ("dataset", "hidden_dim", "batch_size", "lr")


def build_model(dataset: str, hidden_dim: int, definitions: dict[str, object]) -> nn.Module:
    """The notebook's model for ``dataset``, configured as the notebook trains it."""
    if dataset == "mnist":
        return definitions["VAE"](hidden_dim=hidden_dim)
    if dataset == "cifar10":
        return definitions["ConvVAE"](hidden_dim=hidden_dim)
    return definitions["ConvVAE"](hidden_dim=hidden_dim, latent_dim=128, num_layers=4, image_size=128)


def epoch_seed(seed: int, epoch: int, rank: int) -> int:
    """The seed of one epoch on one process: a resumed run draws what an unbroken one would."""
    return seed * 1_000_003 + epoch * 1_009 + rank


def _sharded_loader(data: Dataset, config: TrainConfig, world: World, shuffle: bool, device: torch.device) -> DataLoader:
    """This process's share of ``data``: a DistributedSampler in a world of one is a seeded shuffle, so one
    code path serves both."""
    sampler = DistributedSampler(data, num_replicas=world.size, rank=world.rank, shuffle=shuffle, seed=config.seed)
    return DataLoader(data, batch_size=config.batch_size, sampler=sampler, num_workers=config.workers,
                      pin_memory=device.type == "cuda", persistent_workers=config.workers > 0)


def _training_device(preference: str, world: World) -> torch.device:
    """The device this process trains on: its own GPU under torchrun, with cuDNN autotuning."""
    device = best_device(preference)
    if device.type == "cuda":
        device = torch.device("cuda", world.local_rank)
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    return device


def train(config: TrainConfig) -> dict[str, list[float]]:
    """Train (or resume) one run; checkpoint every epoch and write figures under ``config.out``."""
    from vae_course.notebook_code import load_definitions

    if config.dataset not in DATASETS:
        raise ValueError(f"unknown dataset {config.dataset!r}; choose one of {', '.join(DATASETS)}")
    settings = config.course_settings()
    world = init_world(best_device(config.device).type)
    try:
        device = _training_device(config.device, world)
        config = config.resolved(settings, device.type)
        return _train(config, settings, world, device, load_definitions(config.notebook))
    finally:
        close_world(world)


def _train(
    config: TrainConfig, settings: Settings, world: World, device: torch.device, definitions: dict[str, object]
) -> dict[str, list[float]]:
    say = print if world.is_main else (lambda *_: None)
    # Rank 0 writes any stand-in data first; the others then read it.
    if world.is_main:
        splits = load_splits(config.dataset, settings, definitions)
    barrier(world)
    if not world.is_main:
        splits = load_splits(config.dataset, settings, definitions)
    say(splits.description)

    torch.manual_seed(config.seed)  # the same initial weights on every process
    model = build_model(config.dataset, config.hidden_dim, definitions)
    compute = ComputeFormat.for_device(device, convolutional=config.dataset != "mnist")
    model.to(device, memory_format=compute.memory_format)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)

    checkpoint = config.out / CHECKPOINT_NAME
    history: dict[str, list[float]] = {"train": [], "test": [], "images_per_s": []}
    start = 1
    if checkpoint.exists():
        state = read_checkpoint(checkpoint)
        given = _checkpoint_settings(config)
        mismatched = {k: (state["config"].get(k), given[k]) for k in RESUME_KEYS if state["config"].get(k) != given[k]}
        if mismatched:
            raise ValueError(f"{checkpoint} was written with other settings (saved, given): {mismatched}; "
                             "use another --out or the same settings")
        restore(state, model, optimizer)
        history, start = state["history"], state["epoch"] + 1
        say(f"resuming {checkpoint} after epoch {state['epoch']}")

    replicated = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) \
        if world.distributed else model
    trained, evaluated = compute.wrap(replicated), compute.wrap(model)
    train_loader = _sharded_loader(splits.train, config, world, shuffle=True, device=device)
    test_loader = _sharded_loader(splits.test, config, world, shuffle=False, device=device)
    say(f"{type(model).__name__} hidden_dim={config.hidden_dim}, {sum(p.numel() for p in model.parameters()):,} "
        f"parameters, on {device} x {world.size} process(es), autocast={compute.autocast_dtype}, "
        f"channels_last={compute.channels_last}\n{LOSS_CAVEAT}")

    for epoch in range(start, config.epochs + 1):
        train_loader.sampler.set_epoch(epoch)
        torch.manual_seed(epoch_seed(config.seed, epoch, world.rank))
        began = time.perf_counter()
        batches = EpochBatches(train_loader, config.max_steps, f"epoch {epoch}/{config.epochs}", world.is_main)
        train_loss = float(definitions["train_epoch"](trained, batches, optimizer, device))
        seconds = time.perf_counter() - began
        history["train"].append(mean_over_world(train_loss, world))
        per_rank = len(train_loader.sampler)
        images = world.size * (per_rank if config.max_steps is None else min(per_rank, config.max_steps * config.batch_size))
        history["images_per_s"].append(images / seconds)
        test = evaluate(evaluated, test_loader, definitions["vae_loss"], device, config.max_steps)
        history["test"].append(mean_over_world(test, world))
        say(f"epoch {epoch}: train {history['train'][-1]:.1f}, test {history['test'][-1]:.1f} nats/image "
            f"({history['images_per_s'][-1]:.0f} images/s)")
        if world.is_main:
            save_checkpoint(checkpoint, model, optimizer, epoch, history, _checkpoint_settings(config))
        barrier(world)

    if world.is_main:
        (config.out / "history.json").write_text(json.dumps(history, indent=1) + "\n")
        from vae_course.train.figures import write_figures

        paths = write_figures(model, definitions, splits, history, config.out / "figures", config.seed)
        say("figures: " + ", ".join(str(p) for p in paths))
    return history


def _checkpoint_settings(config: TrainConfig) -> dict[str, object]:
    """The run's settings as plain values, for the checkpoint."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
