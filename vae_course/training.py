"""The training loop shared by the notebooks and the trainer.

Students write the model and the loss; the loop is given, so a bug in it never costs
them marks and every run reports loss the same way: nats per image (the loss is a sum
over pixels, so the figure depends on the image size and is not comparable across datasets).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

import torch
from torch import nn
from tqdm.auto import tqdm

LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def batch_images(batch: torch.Tensor | tuple | list) -> torch.Tensor:
    """The images of a batch from a labelled dataset ``(x, y)`` or an unlabelled one ``x``."""
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def train_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    max_steps: int | None = None,
    desc: str = "train",
) -> list[float]:
    """One pass over ``loader`` (at most ``max_steps`` batches); the loss per image of each step."""
    model.train()
    losses = []
    total = len(loader) if max_steps is None else min(max_steps, len(loader))
    progress = tqdm(islice(loader, max_steps), total=total, desc=desc, leave=False)
    for batch in progress:
        x = batch_images(batch).to(device)
        x_hat, mu, logvar = model(x)
        loss = loss_fn(x_hat, x, mu, logvar)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / len(x))
        progress.set_postfix(loss=f"{losses[-1]:.1f}")
    return losses


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: LossFn,
    device: torch.device,
    max_steps: int | None = None,
) -> float:
    """Mean loss per image (nats/image) over ``loader``."""
    model.eval()
    total, count = 0.0, 0
    for batch in islice(loader, max_steps):
        x = batch_images(batch).to(device)
        x_hat, mu, logvar = model(x)
        total += loss_fn(x_hat, x, mu, logvar).item()
        count += len(x)
    return total / max(count, 1)


def fit(
    model: nn.Module,
    train_loader: Iterable,
    test_loader: Iterable,
    loss_fn: LossFn,
    device: torch.device,
    epochs: int,
    lr: float = 1e-3,
    max_steps: int | None = None,
) -> dict[str, list[float]]:
    """Train with Adam for ``epochs`` epochs; per-epoch train and test loss in nats/image."""
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train": [], "test": []}
    for epoch in range(1, epochs + 1):
        steps = train_epoch(model, train_loader, loss_fn, optimizer, device, max_steps, f"epoch {epoch}/{epochs}")
        history["train"].append(sum(steps) / max(len(steps), 1))
        history["test"].append(evaluate(model, test_loader, loss_fn, device, max_steps))
        print(f"epoch {epoch}: train {history['train'][-1]:.1f}, test {history['test'][-1]:.1f} nats/image")
    return history
