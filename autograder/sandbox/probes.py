"""Measurements taken inside the worker, on the student's definitions.

Each probe calls student code on inputs the grader chose and returns plain data (tensors,
numbers, strings); it never decides whether an answer is right. The checks do that in the
grader's process. Probes are public: knowing what is measured does not help a wrong answer.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy
import torch
from torch import nn

from autograder.sandbox.loop_harness import GradientWatch, LoopVAE, loop_loader, stand_in_objective
from autograder.tiny_vae import TinyVAE

Namespace = dict[str, Any]
PROBES: dict[str, Callable[..., Any]] = {}


class MissingDefinition(LookupError):
    """The notebook does not define a name the contract requires."""


def seed_all(seed: int) -> None:
    """Seed torch, numpy and random alike wherever a check's code runs, so grading repeats exactly."""
    torch.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed % 2**32)


def probe(function: Callable[..., Any]) -> Callable[..., Any]:
    PROBES[function.__name__] = function
    return function


def _get(ns: Namespace, name: str) -> Any:
    if name not in ns:
        raise MissingDefinition(name)
    return ns[name]


def _tensor_facts(value: Any) -> dict[str, Any]:
    if not isinstance(value, torch.Tensor):
        return {"type": type(value).__name__}
    return {"type": "Tensor", "shape": list(value.shape), "dtype": str(value.dtype).removeprefix("torch."),
            "device": value.device.type, "requires_grad": value.requires_grad}


# --- reparameterize ----------------------------------------------------------------------

@probe
def reparameterize_sample(ns: Namespace, mu: torch.Tensor, logvar: torch.Tensor, device: str = "cpu",
                          grad_enabled: bool = True) -> dict[str, Any]:
    """z for the given inputs (moved to ``device``: 'meta' checks device-following without a GPU)."""
    with torch.set_grad_enabled(grad_enabled):
        z = _get(ns, "reparameterize")(mu.to(device), logvar.to(device))
    return {"facts": _tensor_facts(z), "z": z if isinstance(z, torch.Tensor) and z.device.type == "cpu" else None}


@probe
def reparameterize_gradients(ns: Namespace, mu: torch.Tensor, logvar: torch.Tensor,
                             cotangent: torch.Tensor) -> dict[str, Any]:
    """z and the gradients of sum(cotangent * z) with respect to mu and logvar (a vector-Jacobian product).

    The grader chooses the cotangent and checks the gradients against z itself: dz/dmu = 1 and
    dz/dlogvar = 0.5 * (z - mu), so mu's gradient is the cotangent and logvar's 0.5 * (z - mu) * cotangent.
    """
    mu = mu.clone().requires_grad_(True)
    logvar = logvar.clone().requires_grad_(True)
    z = _get(ns, "reparameterize")(mu, logvar)
    result: dict[str, Any] = {"z": None, "mu_grad": None, "logvar_grad": None}
    if isinstance(z, torch.Tensor):
        result["z"] = z.detach()
        if z.requires_grad and z.shape == cotangent.shape:
            (z * cotangent).sum().backward()
            result["mu_grad"], result["logvar_grad"] = mu.grad, logvar.grad
    return result


# --- vae_loss ------------------------------------------------------------------------------

@probe
def vae_loss_value(ns: Namespace, recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> dict[str, Any]:
    loss = _get(ns, "vae_loss")(recon, x, mu, logvar)
    return {"loss": loss if isinstance(loss, torch.Tensor) else None}


# --- models --------------------------------------------------------------------------------

def stand_in_sample(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """A fixed, differentiable stand-in for ``reparameterize`` in model probes: ``mu + 0.1 * logvar``.

    Deliberately not a reparameterization (no noise): a model check needs only some z that
    depends on mu and logvar, so a mistake in ``reparameterize`` costs its own points only.
    """
    return mu + 0.1 * logvar


def model_probe(function: Callable[..., Any]) -> Callable[..., Any]:
    """A probe of a model, run while the notebook's ``reparameterize`` is the fixed stand-in.

    A model's ``forward`` calls the notebook's ``reparameterize``; swapping in a stand-in for
    the duration of the probe means a mistake there costs the reparameterize points only.
    """
    def run(ns: Namespace, *args: Any) -> Any:
        missing = object()
        own = ns.get("reparameterize", missing)
        ns["reparameterize"] = stand_in_sample
        try:
            return function(ns, *args)
        finally:
            if own is missing:
                del ns["reparameterize"]
            else:
                ns["reparameterize"] = own

    run.__name__ = function.__name__
    return probe(run)


def _build(ns: Namespace, name: str, kwargs: dict[str, Any]) -> nn.Module:
    model = _get(ns, name)(**kwargs)
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name}(...) is not an nn.Module")
    return model


@model_probe
def model_outputs(ns: Namespace, name: str, kwargs: dict[str, Any], x: torch.Tensor, z: torch.Tensor) -> dict[str, Any]:
    """What encode, decode and forward return, as tensor facts plus the values."""
    model = _build(ns, name, kwargs)
    mu, logvar = model.encode(x)
    decoded = model.decode(z)
    x_hat, mu2, logvar2 = model(x)
    return {"latent_dim": getattr(model, "latent_dim", None),
            "mu": _tensor_facts(mu), "logvar": _tensor_facts(logvar), "decoded": _tensor_facts(decoded),
            "x_hat": _tensor_facts(x_hat), "mu_forward": _tensor_facts(mu2),
            "decoded_min": float(decoded.detach().min()), "decoded_max": float(decoded.detach().max()),
            "x_hat_min": float(x_hat.detach().min()), "x_hat_max": float(x_hat.detach().max())}


@model_probe
def parameter_count(ns: Namespace, name: str, kwargs: dict[str, Any]) -> int:
    return sum(p.numel() for p in _build(ns, name, kwargs).parameters())


@model_probe
def layer_trace(ns: Namespace, name: str, kwargs: dict[str, Any], x: torch.Tensor) -> list[dict[str, Any]]:
    """Every Conv2d, ConvTranspose2d and Linear in the order forward calls them, with its input's minimum.

    A layer fed by a ReLU sees no negative input, however the ReLU was written.
    """
    model = _build(ns, name, kwargs).eval()
    trace: list[dict[str, Any]] = []

    def record(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        kind = next(k for k in (nn.ConvTranspose2d, nn.Conv2d, nn.Linear) if isinstance(module, k))
        entry: dict[str, Any] = {"type": kind.__name__, "input_min": float(inputs[0].min())}
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            entry.update(in_channels=module.in_channels, out_channels=module.out_channels,
                         kernel_size=list(module.kernel_size), stride=list(module.stride), padding=list(module.padding))
        else:
            entry.update(in_features=module.in_features, out_features=module.out_features)
        trace.append(entry)

    handles = [m.register_forward_pre_hook(record) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    with torch.no_grad():
        mu, _ = model.encode(x)
        encoder_layers = len(trace)
        model.decode(torch.randn_like(mu))
    for handle in handles:
        handle.remove()
    return [dict(entry, part="encoder" if i < encoder_layers else "decoder") for i, entry in enumerate(trace)]


@model_probe
def decoder_output_map(ns: Namespace, name: str, kwargs: dict[str, Any], z: torch.Tensor, pre_activation: torch.Tensor) -> torch.Tensor:
    """decode(z) with the last layer's output replaced by ``pre_activation``: shows the output activation."""
    model = _build(ns, name, kwargs).eval()
    layers = [m for m in model.modules() if isinstance(m, (nn.ConvTranspose2d, nn.Linear))]
    if not layers:
        raise TypeError(f"{name} has no ConvTranspose2d or Linear layer")
    called: list[nn.Module] = []
    hooks = [m.register_forward_hook(lambda m, i, o: called.append(m)) for m in layers]
    with torch.no_grad():
        model.decode(z)
    for hook in hooks:
        hook.remove()
    last = called[-1]
    hook = last.register_forward_hook(lambda m, i, o: pre_activation.reshape(o.shape).to(o.dtype))
    with torch.no_grad():
        out = model.decode(z)
    hook.remove()
    return out


@model_probe
def unreached_parameters(ns: Namespace, name: str, kwargs: dict[str, Any], x: torch.Tensor) -> list[str]:
    """Parameters that get no gradient from one backward pass of the stand-in objective."""
    model = _build(ns, name, kwargs)
    x_hat, mu, logvar = model(x)
    stand_in_objective(x_hat, x, mu, logvar).backward()
    return [n for n, p in model.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]


@model_probe
def training_losses(ns: Namespace, name: str, kwargs: dict[str, Any], x: torch.Tensor, steps: int,
                    lr: float) -> list[float]:
    """The loss on one fixed batch over a few Adam steps."""
    model = _build(ns, name, kwargs)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        x_hat, mu, logvar = model(x)
        loss = stand_in_objective(x_hat, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# --- interpolate and sample_images, graded on the grader's TinyVAE ---------------------------

def _tensor_or_none(value: Any) -> torch.Tensor | None:
    return value if isinstance(value, torch.Tensor) else None


@probe
def interpolation(ns: Namespace, seed: int, latent_dim: int, img1: torch.Tensor, img2: torch.Tensor, num_steps: int,
                  tells_mode: bool = False) -> dict[str, Any]:
    """The frames of two calls on a TinyVAE lent in training mode (telling its mode in its output if asked)."""
    interpolate = _get(ns, "interpolate")
    model = TinyVAE(latent_dim, tuple(img1.shape), seed, tells_mode).train()
    frames = interpolate(model, img1, img2, num_steps)
    again = interpolate(model, img1, img2, num_steps)
    return {"frames": _tensor_or_none(frames), "again": _tensor_or_none(again)}


@probe
def samples(ns: Namespace, seed: int, latent_dim: int, image_shape: list[int], num_samples: int,
            tells_mode: bool = False) -> dict[str, Any]:
    """The images sample_images returns from a TinyVAE lent in training mode (telling its mode if asked)."""
    model = TinyVAE(latent_dim, tuple(image_shape), seed, tells_mode).train()
    return {"images": _tensor_or_none(_get(ns, "sample_images")(model, num_samples))}


# --- data ----------------------------------------------------------------------------------

def _in_this_process(loader: Any) -> None:
    """Read a DataLoader's batches here, not in worker processes (the sandbox forbids processes).

    ``num_workers`` changes how fast batches arrive, never which: the same sampler and transforms run.
    """
    if isinstance(loader, torch.utils.data.DataLoader):
        loader.num_workers = 0


@probe
def cifar10_loaders(ns: Namespace, root: str, batch_size: int) -> dict[str, Any]:
    from vae_course.data.cifar10 import accept_fixture_checksums

    with accept_fixture_checksums(root):
        train_loader, test_loader = _get(ns, "make_cifar10_loaders")(root, batch_size=batch_size)
    result: dict[str, Any] = {}
    for split, loader in (("train", train_loader), ("test", test_loader)):
        _in_this_process(loader)
        images, labels = next(iter(loader))
        result[split] = {"size": len(loader.dataset), "images": images, "labels": labels}
    return result


@probe
def dataset_items(ns: Namespace, root: str, indices: list[int], transform: str | None) -> dict[str, Any]:
    """len(FFHQDataset(root, transform)) and the items at ``indices``."""
    from torchvision import transforms

    chosen = {None: None, "resize16": transforms.Compose([transforms.Resize(16), transforms.ToTensor()]),
              "size": lambda image: torch.tensor(image.size)}[transform]
    dataset = _get(ns, "FFHQDataset")(root, transform=chosen) if chosen else _get(ns, "FFHQDataset")(root)
    if not isinstance(dataset, torch.utils.data.Dataset):
        raise TypeError("FFHQDataset(...) is not a torch.utils.data.Dataset")
    length = len(dataset)
    return {"length": length, "items": [dataset[i] for i in indices if i < length]}


# --- train_epoch, graded with the grader's own model, data and optimizer (loop_harness) ------

@contextmanager
def _lent(ns: Namespace, name: str, value: Any) -> Iterator[None]:
    """``ns[name]`` is ``value`` for the duration, then the notebook's own (or nothing) again."""
    missing = object()
    own = ns.get(name, missing)
    ns[name] = value
    try:
        yield
    finally:
        if own is missing:
            del ns[name]
        else:
            ns[name] = own


def _number_facts(value: Any) -> dict[str, Any]:
    """What ``train_epoch`` returned: its type, whether it tracks gradients, and its value as a number."""
    facts = {"type": type(value).__name__, "requires_grad": bool(getattr(value, "requires_grad", False)), "value": None}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        facts["value"] = float(value)
    elif isinstance(value, torch.Tensor) and value.numel() == 1:
        facts["value"] = float(value.detach())
    return facts


@probe
def training_epochs(ns: Namespace, seed: int, epochs: int, count: int, batch_size: int, labelled: bool,
                    lr: float) -> dict[str, Any]:
    """Call the notebook's ``train_epoch`` for ``epochs`` epochs on the grader's LoopVAE and data.

    The grader's stand-in objective is lent to it as ``vae_loss``, in the globals the function
    reads (the caller's namespace may be a copy), so a mistake in the loss costs the vae_loss
    points only. The model arrives in eval mode each epoch, as the evaluation after an epoch leaves it.
    Per epoch: what it returned, every forward pass (training mode, the device the batch was sent
    to, batch size, loss) and every optimizer step's gradient fit (``loop_harness.GradientWatch``).
    """
    train_epoch = _get(ns, "train_epoch")
    model = LoopVAE(seed=seed)
    loader = loop_loader(seed, count, batch_size, model.image_shape, labelled)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    watch = GradientWatch(model, optimizer)
    device = torch.device("cpu")
    results = []
    with _lent(getattr(train_epoch, "__globals__", ns), "vae_loss", stand_in_objective):
        for _ in range(epochs):
            model.eval()
            forwards, steps = len(model.forwards), len(watch.fits)
            returned = train_epoch(model, loader, optimizer, device)
            results.append({"returned": _number_facts(returned), "forwards": model.forwards[forwards:],
                            "fits": [list(fit) for fit in watch.fits[steps:]]})
    return {"device": str(device), "images": count, "epochs": results}
