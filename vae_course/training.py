"""The trainer's training loop, and the epoch driver around the notebook's own loop.

The notebook's students write ``train_epoch`` themselves (a graded part); the trainer keeps
its own ``train_epoch`` here, with autocast and channels-last. Every run reports loss the
same way: nats per image (the loss is a sum over pixels, so the figure depends on the image
size and is not comparable across datasets).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from itertools import islice
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Subset
from tqdm.auto import tqdm

from vae_course.checkpoints import read_checkpoint, restore, save_checkpoint

LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
EpochFn = Callable[[nn.Module, Iterable, torch.optim.Optimizer, torch.device], float]


def batch_images(batch: torch.Tensor | tuple | list) -> torch.Tensor:
    """The images of a batch from a labelled dataset ``(x, y)`` or an unlabelled one ``x``."""
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def to_device(x: torch.Tensor, device: torch.device, channels_last: bool = False) -> torch.Tensor:
    """A batch on ``device``; 4-D batches optionally in the channels-last layout convolutions like."""
    x = x.to(device, non_blocking=True)
    return x.contiguous(memory_format=torch.channels_last) if channels_last and x.dim() == 4 else x


def batch_loss(
    model: nn.Module, x: torch.Tensor, loss_fn: LossFn, autocast_dtype: torch.dtype | None = None
) -> torch.Tensor:
    """The summed loss of one batch; the model may run under autocast, the loss never does.

    Binary cross-entropy is not autocast-safe, and a sum over many pixels needs fp32 anyway,
    so the model's outputs are cast back to fp32 before ``loss_fn``.
    """
    context = torch.autocast(x.device.type, dtype=autocast_dtype) if autocast_dtype else nullcontext()
    with context:
        x_hat, mu, logvar = model(x)
    if autocast_dtype:
        x_hat, mu, logvar = x_hat.float(), mu.float(), logvar.float()
    return loss_fn(x_hat, x, mu, logvar)


def train_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    max_steps: int | None = None,
    desc: str = "train",
    autocast_dtype: torch.dtype | None = None,
    channels_last: bool = False,
    show_progress: bool = True,
) -> list[float]:
    """One pass over ``loader`` (at most ``max_steps`` batches); the loss per image of each step.

    The progress bar shows the last step's loss and this process's images per second.
    """
    model.train()
    losses = []
    total = len(loader) if max_steps is None else min(max_steps, len(loader))
    progress = tqdm(islice(loader, max_steps), total=total, desc=desc, leave=False, disable=not show_progress)
    images, start = 0, time.perf_counter()
    for batch in progress:
        x = to_device(batch_images(batch), device, channels_last)
        loss = batch_loss(model, x, loss_fn, autocast_dtype)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / len(x))
        images += len(x)
        progress.set_postfix(loss=f"{losses[-1]:.1f}", img_s=f"{images / (time.perf_counter() - start):.0f}", refresh=False)
    return losses


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: LossFn,
    device: torch.device,
    max_steps: int | None = None,
    autocast_dtype: torch.dtype | None = None,
    channels_last: bool = False,
) -> float:
    """Mean loss per image (nats/image) over ``loader``."""
    model.eval()
    total, count = 0.0, 0
    for batch in islice(loader, max_steps):
        x = to_device(batch_images(batch), device, channels_last)
        total += batch_loss(model, x, loss_fn, autocast_dtype).item()
        count += len(x)
    return total / max(count, 1)


class FirstBatches:
    """The first ``max_steps`` batches of ``loader`` (all of them for None), behind a progress bar.

    Has a length, ``batch_size`` and ``dataset`` like the loader it wraps, so the notebook's
    ``train_epoch`` can treat it as one. When it cuts the epoch short, ``dataset`` is only as
    long as the images its batches hold, so a loop that divides by ``len(loader.dataset)``
    still reports the loss per image.
    """

    def __init__(self, loader: Any, max_steps: int | None = None, desc: str = "train") -> None:
        self.loader, self.max_steps, self.desc = loader, max_steps, desc
        self.batch_size = getattr(loader, "batch_size", None)
        self.dataset = getattr(loader, "dataset", None)
        if self.dataset is not None and self.batch_size and len(self) < len(loader):
            self.dataset = Subset(self.dataset, range(min(len(self.dataset), len(self) * self.batch_size)))

    def __len__(self) -> int:
        return len(self.loader) if self.max_steps is None else min(self.max_steps, len(self.loader))

    def __iter__(self) -> Iterator[Any]:
        return iter(tqdm(islice(self.loader, self.max_steps), total=len(self), desc=self.desc, leave=False))


def _architecture(model: nn.Module) -> dict[str, Any]:
    return {"model": type(model).__name__, "shapes": {n: list(p.shape) for n, p in model.state_dict().items()}}


def fit_resumable(
    model: nn.Module,
    train_epoch: EpochFn,
    train_loader: Iterable,
    test_loader: Iterable,
    loss_fn: LossFn,
    device: torch.device,
    epochs: int,
    checkpoint: Path,
    lr: float = 1e-3,
    max_steps: int | None = None,
) -> dict[str, list[float]]:
    """Train with Adam and the notebook's ``train_epoch``, saving a checkpoint after every epoch.

    Running it again resumes after the last finished epoch (a finished run only loads its
    weights), so re-running a training cell after a crash or a disconnect costs no retraining;
    a checkpoint of a different architecture is ignored, with a message. Returns the per-epoch
    train loss (what ``train_epoch`` returned) and test loss, in nats/image.
    """
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train": [], "test": []}
    done, architecture = 0, _architecture(model)
    if checkpoint.exists():
        state = read_checkpoint(checkpoint)
        if state["config"] == architecture:
            restore(state, model, optimizer)
            history, done = state["history"], state["epoch"]
            print(f"resumed from {checkpoint}: {done} epoch(s) already trained")
        else:
            print(f"{checkpoint} holds a different model; training from the start")
    for epoch in range(done + 1, epochs + 1):
        batches = FirstBatches(train_loader, max_steps, desc=f"epoch {epoch}/{epochs}")
        history["train"].append(float(train_epoch(model, batches, optimizer, device)))
        history["test"].append(evaluate(model, test_loader, loss_fn, device, max_steps))
        save_checkpoint(checkpoint, model, optimizer, epoch, history, architecture)
        print(f"epoch {epoch}: train {history['train'][-1]:.1f}, test {history['test'][-1]:.1f} nats/image")
    return history
