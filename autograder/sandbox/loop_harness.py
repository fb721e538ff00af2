"""What the grader lends a student's ``train_epoch``: its own small model, data and optimizer.

A ``Scenario`` names everything: the seed of the model's initial weights and of the images, the
batches, the optimizer's learning rate, and two traps. The grader builds the same objects from
the same scenario in its own process and replays the correct epoch there (``autograder/hidden/``),
so the verdict rests on what the student's epoch left behind (the weights, the returned loss),
never on what the worker reports about itself. The lent objects make each mistake show in that
result:

- the model (``TinyVAE`` with ``samples``) arrives in eval mode when ``arrives_in_eval``, and
  computes differently there (its latent is the posterior mean, in training mode a fixed stand-in
  for a sample), so an epoch without ``model.train()`` returns other losses and leaves other weights;
- the batches are ``HostBatch``es when ``host_batches``: one that reaches the model without
  ``.to(device)`` is read inverted (where a real model on a GPU would raise), so again the
  losses and weights differ;
- the loader yields ``(images, labels)`` or, like the faces, images only.

``EpochWatch`` keeps what each epoch did (the mode of each forward pass, moved batches, steps,
gradients left over from earlier batches; ``BatchReader`` logs the forward passes): it only words
the feedback, the points never read it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from autograder.framework.seeds import keyed
from autograder.tiny_vae import TinyVAE

IMAGE_SHAPE = (1, 6, 6)
LATENT_DIM = 3
DEVICE = "cpu"


def stand_in_objective(x_hat: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """What the model probes minimise and what is lent to ``train_epoch`` as its ``vae_loss``.

    Reconstruction error plus a penalty on mu and logvar: it depends on every output, and it is
    deliberately not the assignment's loss (no KL divergence), so the public code that ships to
    students holds no correct ``vae_loss`` to copy.
    """
    reconstruction = F.binary_cross_entropy(x_hat.reshape(x.shape).clamp(0, 1), x, reduction="sum")
    return reconstruction + 0.5 * (mu.pow(2) + logvar.pow(2)).sum()


@dataclass(frozen=True)
class Scenario:
    """One grading of ``train_epoch``: what is lent to it and how often it is called."""

    seed: int
    epochs: int = 1
    count: int = 40  # images in the loader
    batch_size: int = 8
    lr: float = 2e-2  # Adam's; 0 keeps the weights, so only the forward passes shape the returned loss
    labelled: bool = True  # (images, labels) batches, or images only
    arrives_in_eval: bool = False  # the model is in eval mode at the start of every epoch
    host_batches: bool = False  # batches must be moved with .to(device) to be read right

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def keyed(self) -> Scenario:
        """This scenario under the current key (``framework.seeds``): what the grader lends, replays and compares."""
        return replace(self, seed=keyed(self.seed))


class HostBatch(torch.Tensor):
    """A batch where the loader made it; ``.to(device)`` gives a plain tensor, the batch on the device."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN206 (torch's protocol)
        kwargs = kwargs or {}
        result = super().__torch_function__(func, types, args, kwargs)
        if func is torch.Tensor.to and isinstance(result, HostBatch) and _names_a_device(args[1:], kwargs):
            with torch._C.DisableTorchFunctionSubclass():
                return result.as_subclass(torch.Tensor)
        return result


def _names_a_device(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return any(isinstance(a, (torch.device, str)) for a in (*args, kwargs.get("device")))


def plain(x: torch.Tensor) -> torch.Tensor:
    """``x`` as a plain tensor (the same values)."""
    return x.as_subclass(torch.Tensor) if isinstance(x, HostBatch) else x


class BatchReader:
    """What the lent model reads for a batch: one left on the host (a ``HostBatch``) is read as ``1 - x``, where a
    real model on a GPU would raise. Logs each forward pass (mode, moved, size) for the feedback only."""

    def __init__(self) -> None:
        self.forwards: list[dict[str, Any]] = []

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        moved = not isinstance(x, HostBatch)
        self.forwards.append({"training": model.training, "moved": moved, "size": len(x)})
        return plain(x) if moved else 1 - plain(x)


def lent_model(seed: int) -> TinyVAE:
    """The model lent to ``train_epoch``: its weights and its fixed sample follow ``seed``."""
    return TinyVAE(LATENT_DIM, IMAGE_SHAPE, seed, samples=True, reads=BatchReader())


class _Images(Dataset):
    def __init__(self, images: torch.Tensor, labelled: bool) -> None:
        self.images, self.labelled = images, labelled

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Any:
        return (self.images[index], index % 10) if self.labelled else self.images[index]


class _Collate:
    """Stacks a batch, as ``HostBatch`` images when they must be moved."""

    def __init__(self, host: bool) -> None:
        self.host = host

    def images(self, items: list[torch.Tensor]) -> torch.Tensor:
        stacked = torch.stack(items)
        return stacked.as_subclass(HostBatch) if self.host else stacked

    def __call__(self, items: list[Any]) -> Any:
        if isinstance(items[0], tuple):
            return self.images([image for image, _ in items]), torch.tensor([label for _, label in items])
        return self.images(items)


def loop_loader(scenario: Scenario) -> DataLoader:
    """A real ``DataLoader`` over smooth random images in [0, 1], in order (not shuffled)."""
    generator = torch.Generator().manual_seed(scenario.seed + 1)
    base = torch.rand(4, *IMAGE_SHAPE, generator=generator)
    weights = torch.rand(scenario.count, 4, generator=generator).softmax(1)
    images = torch.einsum("nk,k...->n...", weights, base).clamp(0, 1)
    return DataLoader(_Images(images, scenario.labelled), batch_size=scenario.batch_size, shuffle=False,
                      collate_fn=_Collate(scenario.host_batches))


def lend(scenario: Scenario) -> tuple[TinyVAE, DataLoader, torch.optim.Adam]:
    """The model, loader and optimizer of ``scenario``, the same wherever they are built."""
    model = lent_model(scenario.seed)
    return model, loop_loader(scenario), torch.optim.Adam(model.parameters(), lr=scenario.lr)


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's parameters, detached copies by name."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


class EpochWatch:
    """What a loop did with the lent objects, for the feedback only (the worker could say anything).

    Per epoch: the forward passes (mode, moved, size), the optimizer steps, and the backward
    passes that found gradients of earlier batches still there.
    """

    def __init__(self, model: TinyVAE, optimizer: torch.optim.Optimizer) -> None:
        assert isinstance(model.reads, BatchReader), "EpochWatch watches a model lent by lend()"
        self.reader = model.reads
        self.steps = 0
        self.stale_backwards = 0
        self._stale_seen = False
        optimizer.register_step_post_hook(self._stepped)
        model.register_forward_pre_hook(self._batch_starts)
        for parameter in model.parameters():
            parameter.register_hook(self._gradient_arrives(parameter))

    def _stepped(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        self.steps += 1

    def _batch_starts(self, model: nn.Module, args: Any) -> None:
        self._stale_seen = False

    def _gradient_arrives(self, parameter: nn.Parameter):  # noqa: ANN202 (a tensor hook)
        def hook(gradient: torch.Tensor) -> None:  # runs before the gradient is added to parameter.grad
            if not self._stale_seen and parameter.grad is not None and bool(parameter.grad.ne(0).any()):
                self._stale_seen = True
                self.stale_backwards += 1
        return hook

    def epoch(self, run: Any) -> dict[str, Any]:
        """Run ``run()`` (one call of train_epoch) and say what it did."""
        forwards, steps, stale = len(self.reader.forwards), self.steps, self.stale_backwards
        returned = run()
        return {"returned": returned, "forwards": self.reader.forwards[forwards:], "steps": self.steps - steps,
                "stale_backwards": self.stale_backwards - stale}
