"""What the grader lends a student's ``train_epoch``: its own small model, data and optimizer.

They record what the loop does, so the checks can ask about behaviour rather than code: was
the model in training mode at every forward pass, was each batch moved with ``.to(device)``,
did the optimizer step on the gradient of that batch alone, and what was the loss of each
batch. The model is deterministic (``z = mu``, no sampling noise), so the gradient a correct
loop hands the optimizer can be recomputed exactly.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset


def stand_in_objective(x_hat: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """What the model probes minimise and what is lent to ``train_epoch`` as its ``vae_loss``.

    Reconstruction error plus a penalty on mu and logvar: it depends on every output, and it is
    deliberately not the assignment's loss (no KL divergence), so the public code that ships to
    students holds no correct ``vae_loss`` to copy.
    """
    reconstruction = F.binary_cross_entropy(x_hat.reshape(x.shape).clamp(0, 1), x, reduction="sum")
    return reconstruction + 0.5 * (mu.pow(2) + logvar.pow(2)).sum()


class MovableBatch(torch.Tensor):
    """A batch that remembers the device it was last sent to with ``.to(...)`` (``moved_to``)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN206 (torch's protocol)
        kwargs = kwargs or {}
        result = super().__torch_function__(func, types, args, kwargs)
        if func is torch.Tensor.to and isinstance(result, MovableBatch):
            targets = [a for a in (*args[1:], kwargs.get("device")) if isinstance(a, (torch.device, str))]
            if targets:
                result.moved_to = str(torch.device(targets[0]))
        return result


def plain(x: torch.Tensor) -> torch.Tensor:
    return x.as_subclass(torch.Tensor) if isinstance(x, MovableBatch) else x


class LoopVAE(nn.Module):
    """A small linear VAE without sampling noise that records every forward pass."""

    def __init__(self, image_shape: tuple[int, int, int] = (1, 6, 6), latent_dim: int = 3, seed: int = 0) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        pixels = math.prod(image_shape)
        generator = torch.Generator().manual_seed(seed)
        self.fc_mu = nn.Linear(pixels, latent_dim)
        self.fc_logvar = nn.Linear(pixels, latent_dim)
        self.fc_out = nn.Linear(latent_dim, pixels)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
        self.forwards: list[dict[str, Any]] = []
        self.last_batch: torch.Tensor | None = None

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = plain(x).flatten(1)
        return self.fc_mu(flat), self.fc_logvar(flat)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc_out(z)).view(len(z), *self.image_shape)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        moved_to = getattr(x, "moved_to", None)
        x = plain(x)
        mu, logvar = self.encode(x)
        x_hat = self.decode(mu)
        with torch.no_grad():
            loss = float(stand_in_objective(x_hat, x, mu, logvar))
        self.forwards.append({"training": self.training, "moved_to": moved_to, "size": len(x), "loss": loss})
        self.last_batch = x.detach().clone()
        return x_hat, mu, logvar


class _Images(Dataset):
    def __init__(self, images: torch.Tensor, labelled: bool) -> None:
        self.images, self.labelled = images, labelled

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Any:
        return (self.images[index], index % 10) if self.labelled else self.images[index]


def _collate(items: list[Any]) -> Any:
    if isinstance(items[0], tuple):
        images = torch.stack([image for image, _ in items]).as_subclass(MovableBatch)
        return images, torch.tensor([label for _, label in items])
    return torch.stack(items).as_subclass(MovableBatch)


def loop_loader(seed: int, count: int, batch_size: int, image_shape: tuple[int, int, int],
                labelled: bool) -> DataLoader:
    """A real ``DataLoader`` over ``count`` smooth random images in [0, 1] (in order, not shuffled)."""
    generator = torch.Generator().manual_seed(seed)
    base = torch.rand(4, *image_shape, generator=generator)
    weights = torch.rand(count, 4, generator=generator).softmax(1)
    images = torch.einsum("nk,k...->n...", weights, base).clamp(0, 1)
    return DataLoader(_Images(images, labelled), batch_size=batch_size, shuffle=False, collate_fn=_collate)


class GradientWatch:
    """At every optimizer step, how the gradients handed to it compare with those of the last batch alone.

    ``fit`` is ``(scale, residual)``: the gradient is ``scale`` times the batch's own gradient
    plus a part of relative size ``residual`` (0 for a correct loop, whatever the loss scale;
    large when gradients from earlier batches were not cleared; None when there was no gradient).
    """

    def __init__(self, model: LoopVAE, optimizer: torch.optim.Optimizer) -> None:
        self.model = model
        self.fits: list[tuple[float, float | None]] = []
        optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        given = [p.grad for p in self.model.parameters()]
        if self.model.last_batch is None or any(g is None for g in given):
            self.fits.append((0.0, None))
            return
        twin = LoopVAE(self.model.image_shape, self.model.latent_dim)
        twin.load_state_dict(self.model.state_dict())
        x = self.model.last_batch
        with torch.enable_grad():
            x_hat, mu, logvar = twin(x)
            stand_in_objective(x_hat, x, mu, logvar).backward()
        g = torch.cat([p.flatten() for p in given]).double()
        e = torch.cat([p.grad.flatten() for p in twin.parameters()]).double()
        if float(g.norm()) == 0.0:
            self.fits.append((0.0, None))
            return
        scale = float(g @ e / (e @ e))
        self.fits.append((scale, float((g - scale * e).norm() / g.norm())))
