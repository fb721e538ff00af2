"""The grader's own specification of ConvVAE and VAE: a functional forward pass from role values (never shipped).

The model checks compare what a submission's ``encode``, ``decode`` and ``forward`` return,
with parameter values the grader chose, against what these functions compute from the same
values, in the grader's process. ``forward`` uses the model probes' stand-in for
``reparameterize`` (``mu + 0.1 * logvar``), as the worker does while it runs a model probe.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from autograder.framework.model_roles import settings
from autograder.sandbox.loop_harness import stand_in_objective
from autograder.sandbox.probes import stand_in_sample

Values = dict[str, dict[str, torch.Tensor]]  # role key -> {"weight", "bias"}


def _conv_encode(values: Values, s: dict[str, Any], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    h = x
    for i in range(s["num_layers"]):
        h = F.relu(F.conv2d(h, values[f"conv{i}"]["weight"], values[f"conv{i}"]["bias"], stride=2, padding=1))
    h = h.flatten(1)
    return F.linear(h, **values["mu"]), F.linear(h, **values["logvar"])


def _conv_decode_pre(values: Values, s: dict[str, Any], z: torch.Tensor) -> torch.Tensor:
    side = s["image_size"] // 2 ** s["num_layers"]
    top = s["hidden_dim"] * 2 ** (s["num_layers"] - 1)
    h = F.relu(F.linear(z, **values["fc_decode"])).view(len(z), top, side, side)
    for j in range(s["num_layers"]):
        h = F.conv_transpose2d(h, values[f"deconv{j}"]["weight"], values[f"deconv{j}"]["bias"], stride=2, padding=1)
        if j < s["num_layers"] - 1:
            h = F.relu(h)
    return h


def _vae_encode(values: Values, s: dict[str, Any], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    h = F.relu(F.linear(x.flatten(1), **values["fc1"]))
    return F.linear(h, **values["mu"]), F.linear(h, **values["logvar"])


def _vae_decode_pre(values: Values, s: dict[str, Any], z: torch.Tensor) -> torch.Tensor:
    h = F.relu(F.linear(z, **values["fc3"]))
    return F.linear(h, **values["fc4"]).view(len(z), *s["image_shape"])


def encode(name: str, kwargs: dict[str, Any], values: Values, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(mu, logvar)`` of the specified architecture."""
    return (_conv_encode if name == "ConvVAE" else _vae_encode)(values, settings(name, kwargs), x)


def decode_pre(name: str, kwargs: dict[str, Any], values: Values, z: torch.Tensor) -> torch.Tensor:
    """The decoder's output before its sigmoid."""
    return (_conv_decode_pre if name == "ConvVAE" else _vae_decode_pre)(values, settings(name, kwargs), z)


def forward(name: str, kwargs: dict[str, Any], values: Values, x: torch.Tensor
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(x_hat, mu, logvar)`` with the stand-in sample, and the pre-activation behind ``x_hat``."""
    mu, logvar = encode(name, kwargs, values, x)
    pre = decode_pre(name, kwargs, values, stand_in_sample(mu, logvar))
    return torch.sigmoid(pre), mu, logvar, pre


def outputs(name: str, kwargs: dict[str, Any], values: Values, x: torch.Tensor,
            z: torch.Tensor) -> dict[str, torch.Tensor]:
    """What the checks compare with: encode(x), decode(z) before its sigmoid, and forward(x)."""
    with torch.no_grad():
        mu, logvar = encode(name, kwargs, values, x)
        return {"mu": mu, "logvar": logvar, "decoded_pre": decode_pre(name, kwargs, values, z),
                "forward_pre": forward(name, kwargs, values, x)[3]}


def vjp(name: str, kwargs: dict[str, Any], values: Values, x: torch.Tensor,
        cotangents: dict[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    """Gradients of sum(cotangent * output) over forward's three outputs, per role."""
    leaves = {key: {leaf: t.clone().requires_grad_(True) for leaf, t in layer.items()} for key, layer in values.items()}
    x_hat, mu, logvar, _ = forward(name, kwargs, leaves, x)
    total = (cotangents["x_hat"] * x_hat).sum() + (cotangents["mu"] * mu).sum() + (cotangents["logvar"] * logvar).sum()
    flat = [t for layer in leaves.values() for t in layer.values()]
    grads = iter(torch.autograd.grad(total, flat))
    return {key: {leaf: next(grads) for leaf in layer} for key, layer in leaves.items()}


def adam_replay(name: str, kwargs: dict[str, Any], values: Values, x: torch.Tensor, steps: int, lr: float,
                eps: float, betas: tuple[float, float] = (0.9, 0.999)) -> tuple[Values, list[float]]:
    """The role values after ``steps`` Adam steps on the stand-in objective for the batch ``x``, and the losses.

    Adam written out (Kingma and Ba, as ``torch.optim.Adam`` computes it by default), so the grader's
    process never imports ``torch.optim``'s compiler machinery, seconds of a check's time limit.
    """
    leaves = {key: {leaf: t.clone().requires_grad_(True) for leaf, t in layer.items()} for key, layer in values.items()}
    flat = [t for layer in leaves.values() for t in layer.values()]
    first = [torch.zeros_like(t) for t in flat]
    second = [torch.zeros_like(t) for t in flat]
    losses = []
    for step in range(1, steps + 1):
        x_hat, mu, logvar, _ = forward(name, kwargs, leaves, x)
        loss = stand_in_objective(x_hat, x, mu, logvar)
        grads = torch.autograd.grad(loss, flat)
        losses.append(loss.item())
        with torch.no_grad():
            for t, g, m, v in zip(flat, grads, first, second):
                m.mul_(betas[0]).add_(g, alpha=1 - betas[0])
                v.mul_(betas[1]).addcmul_(g, g, value=1 - betas[1])
                denominator = (v.sqrt() / (1 - betas[1] ** step) ** 0.5).add_(eps)
                t.addcdiv_(m, denominator, value=-lr / (1 - betas[0] ** step))
    return {key: {leaf: t.detach() for leaf, t in layer.items()} for key, layer in leaves.items()}, losses
