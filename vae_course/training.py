"""What the notebook trains with: its epoch driver around the student's own ``train_epoch``.

The students write ``train_epoch`` themselves (a graded part), so this package has none: it
resumes, limits and evaluates around theirs. Every run reports loss the same way: nats per
image (the loss is a sum over pixels, so the figure depends on the image size and is not
comparable across datasets).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Subset
from tqdm.auto import tqdm

from vae_course.checkpoints import read_checkpoint, restore, save_checkpoint
from vae_course.fingerprint import code_fingerprint

LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
EpochFn = Callable[[nn.Module, Iterable, torch.optim.Optimizer, torch.device], float]


def batch_images(batch: torch.Tensor | tuple | list) -> torch.Tensor:
    """The images of a batch from a labelled dataset ``(x, y)`` or an unlabelled one ``x``."""
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def batch_loss(model: nn.Module, x: torch.Tensor, loss_fn: LossFn) -> torch.Tensor:
    """The summed loss of one batch already on the model's device."""
    x_hat, mu, logvar = model(x)
    return loss_fn(x_hat, x, mu, logvar)


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: Iterable, loss_fn: LossFn, device: torch.device, max_steps: int | None = None
) -> float:
    """Mean loss per image (nats/image) over ``loader`` (at most ``max_steps`` batches)."""
    model.eval()
    total, count = 0.0, 0
    for batch in islice(loader, max_steps):
        x = batch_images(batch).to(device, non_blocking=True)
        total += batch_loss(model, x, loss_fn).item()
        count += len(x)
    return total / max(count, 1)


class EpochBatches:
    """One epoch of ``max_steps`` batches of ``loader`` (one pass for None), behind a progress bar.

    An epoch shorter than the loader is its first ``max_steps`` batches; a longer one goes over
    the loader again (reshuffled, if it shuffles) until it has ``max_steps``, so a small data set,
    like the offline stand-in for FFHQ, trains as many steps as the real one would on a CPU. Has
    a length, ``batch_size`` and ``dataset`` like the loader it wraps, so the notebook's
    ``train_epoch`` can treat it as one: ``dataset`` is as long as the images the epoch's batches
    hold, so a loop that divides by ``len(loader.dataset)`` still reports the loss per image.
    """

    def __init__(
        self, loader: Any, max_steps: int | None = None, desc: str = "train", show_progress: bool = True,
    ) -> None:
        self.loader, self.max_steps, self.desc, self.show_progress = loader, max_steps, desc, show_progress
        self.batch_size = getattr(loader, "batch_size", None)
        self.dataset = getattr(loader, "dataset", None)
        if self.dataset is not None and self.batch_size and len(self) != len(loader):
            passes, steps = divmod(len(self), len(loader))
            images = passes * len(self.dataset) + min(steps * self.batch_size, len(self.dataset))
            self.dataset = Subset(self.dataset, [i % len(self.dataset) for i in range(images)])

    def __len__(self) -> int:
        if len(self.loader) == 0:
            return 0
        return len(self.loader) if self.max_steps is None else self.max_steps

    def _passes(self) -> Iterator[Any]:
        while True:
            empty = True
            for batch in self.loader:
                empty = False
                yield batch
            if empty:  # a loader that claims a length but yields nothing: no endless loop
                return

    def __iter__(self) -> Iterator[Any]:
        return iter(tqdm(islice(self._passes(), len(self)), total=len(self), desc=self.desc, leave=False,
                         disable=not self.show_progress))


def _run_identity(model: nn.Module, train_epoch: EpochFn, loss_fn: LossFn, lr: float,
                  max_steps: int | None) -> dict[str, Any]:
    """What a checkpoint must have been trained by to be resumed: the same code and settings.

    The model's class and weight shapes, fingerprints of the model's, ``train_epoch``'s and the
    loss's code (see ``vae_course.fingerprint``), and the learning rate and steps per epoch.
    """
    return {
        "model": type(model).__name__,
        "shapes": {n: list(p.shape) for n, p in model.state_dict().items()},
        "code": {"model": code_fingerprint(model), "train_epoch": code_fingerprint(train_epoch),
                 "loss": code_fingerprint(loss_fn)},
        "settings": {"lr": lr, "max_steps": max_steps},
    }


def _differences(saved: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Plain words for what changed since a checkpoint was written."""
    if saved.get("model") != now["model"] or saved.get("shapes") != now["shapes"]:
        return ["the model's architecture"]
    code = saved.get("code", {})
    changed = [f"the code of {name}" for name, digest in now["code"].items() if code.get(name) != digest]
    if saved.get("settings") != now["settings"]:
        changed.append(f"the settings (now {now['settings']}, then {saved.get('settings')})")
    return changed


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
    weights), so re-running a training cell after a crash or a disconnect costs no retraining.
    A checkpoint is resumed only if the same code trained it: after a change to the model, to
    ``train_epoch`` or to the loss (a bug fixed, say), or to the settings, training starts over
    and says what changed. Returns the per-epoch
    train loss (what ``train_epoch`` returned) and test loss, in nats/image.
    """
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train": [], "test": []}
    done, identity = 0, _run_identity(model, train_epoch, loss_fn, lr, max_steps)
    if checkpoint.exists():
        state = read_checkpoint(checkpoint)
        changed = _differences(state["config"], identity)
        if not changed:
            restore(state, model, optimizer)
            history, done = state["history"], state["epoch"]
            print(f"resumed from {checkpoint}: {done} epoch(s) already trained")
        else:
            print(f"{checkpoint} was trained with different code or settings ({', '.join(changed)} changed); "
                  "training from the start")
    for epoch in range(done + 1, epochs + 1):
        batches = EpochBatches(train_loader, max_steps, desc=f"epoch {epoch}/{epochs}")
        history["train"].append(float(train_epoch(model, batches, optimizer, device)))
        history["test"].append(evaluate(model, test_loader, loss_fn, device, max_steps))
        save_checkpoint(checkpoint, model, optimizer, epoch, history, identity)
        print(f"epoch {epoch}: train {history['train'][-1]:.1f}, test {history['test'][-1]:.1f} nats/image")
    return history
