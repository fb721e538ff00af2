"""Measurements taken inside the worker, on the student's definitions.

Each probe calls student code on inputs the grader chose and returns plain data (tensors,
numbers, strings); it never decides whether an answer is right. The checks do that in the
grader's process. Probes are public: knowing what is measured does not help a wrong answer.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from autograder.framework.model_roles import Recipe, lent_values
from autograder.sandbox.loop_harness import DEVICE, EpochWatch, Scenario, lend, stand_in_objective, weights
from autograder.tiny_vae import TinyVAE

Namespace = dict[str, Any]
PROBES: dict[str, Callable[..., Any]] = {}


class MissingDefinition(LookupError):
    """The notebook does not define a name the contract requires."""


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


def _stand_in_lent(namespace: Namespace) -> Callable[[], None]:
    """Make ``reparameterize`` the stand-in in ``namespace``; the returned function puts the notebook's back."""
    missing = object()
    own = namespace.get("reparameterize", missing)
    namespace["reparameterize"] = stand_in_sample

    def restore() -> None:
        if own is missing:
            del namespace["reparameterize"]
        else:
            namespace["reparameterize"] = own

    return restore


def model_probe(function: Callable[..., Any]) -> Callable[..., Any]:
    """A probe of a model, run while the notebook's ``reparameterize`` is the fixed stand-in.

    A model's ``forward`` calls the notebook's ``reparameterize``; swapping in a stand-in for
    the duration of the probe means a mistake there costs the reparameterize points only. It is
    swapped in the globals the model's ``forward`` reads too (the caller's namespace may be a copy).
    """
    def run(ns: Namespace, name: str, *args: Any) -> Any:
        namespaces = {id(ns): ns}
        own_globals = getattr(getattr(ns.get(name), "forward", None), "__globals__", None)
        if isinstance(own_globals, dict):
            namespaces[id(own_globals)] = own_globals
        restores = [_stand_in_lent(namespace) for namespace in namespaces.values()]
        try:
            return function(ns, name, *args)
        finally:
            for restore in reversed(restores):
                restore()

    run.__name__ = function.__name__
    return probe(run)


def _build(ns: Namespace, name: str, kwargs: dict[str, Any]) -> nn.Module:
    model = _get(ns, name)(**kwargs)
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name}(...) is not an nn.Module")
    return model


_LAST_BUILT: dict[str, Any] = {}


def _built(ns: Namespace, name: str, kwargs: dict[str, Any]) -> nn.Module:
    """``_build``, once for a ``model_parameters`` probe and the ``model_outputs`` probe after it.

    Building ``ConvVAE()`` initialises 52.8 M parameters; ``model_outputs`` sets every one of them,
    so the model the previous probe built serves as well as a new one.
    """
    key = (id(_get(ns, name)), name, repr(sorted(kwargs.items())))
    if _LAST_BUILT.get("key") != key:
        _LAST_BUILT.clear()
        _LAST_BUILT.update(key=key, model=_build(ns, name, kwargs))
    return _LAST_BUILT["model"]


def _lend(model: nn.Module, recipes: dict[str, Recipe]) -> dict[str, nn.Parameter]:
    """Set every parameter named in ``recipes`` to the grader's values; the parameters by name."""
    parameters = dict(model.named_parameters())
    with torch.no_grad():
        for name, recipe in recipes.items():
            parameters[name].copy_(lent_values(recipe))
    return parameters


def _returned(value: Any) -> Any:
    """A tensor the student's code returned (detached), or the name of its type."""
    return value.detach() if isinstance(value, torch.Tensor) else type(value).__name__


@model_probe
def model_parameters(ns: Namespace, name: str, kwargs: dict[str, Any]) -> list[list[Any]]:
    """The names and shapes of the parameters ``name(**kwargs)`` creates, in registration order (no values)."""
    return [[n, list(p.shape)] for n, p in _built(ns, name, kwargs).named_parameters()]


@model_probe
def model_outputs(ns: Namespace, name: str, kwargs: dict[str, Any], value_sets: list[dict[str, Recipe]],
                  x: torch.Tensor, z: torch.Tensor, cotangents: dict[str, torch.Tensor] | None = None,
                  methods: list[str] | None = None) -> list[dict[str, Any]]:
    """For each set of the grader's parameter values: what encode(x), decode(z) and forward(x) return.

    With ``cotangents``: also the gradient of sum(cotangent * output) over forward's outputs for
    every parameter (None where none reaches it), a vector-Jacobian product the grader recomputes.
    """
    model = _built(ns, name, kwargs)
    methods = methods or ["encode", "decode", "forward"]
    results = []
    for recipes in value_sets:
        parameters = _lend(model, recipes)
        result: dict[str, Any] = {"latent_dim": getattr(model, "latent_dim", None)}
        with torch.no_grad():
            if "encode" in methods:
                result["mu"], result["logvar"] = map(_returned, model.encode(x))
            if "decode" in methods:
                result["decoded"] = _returned(model.decode(z))
            if "forward" in methods:
                result["x_hat"], result["mu_forward"], result["logvar_forward"] = map(_returned, model(x))
        if cotangents is not None:
            outputs = [(out, cotangents[key]) for key, out in zip(("x_hat", "mu", "logvar"), model(x))
                       if isinstance(out, torch.Tensor) and out.requires_grad]
            found: tuple[Any, ...] = (None,) * len(parameters)
            if outputs:
                total = sum((out * c.reshape(out.shape)).sum() for out, c in outputs)
                found = torch.autograd.grad(total, list(parameters.values()), allow_unused=True)
            result["gradients"] = dict(zip(parameters, found))
        results.append(result)
    return results


@model_probe
def model_training(ns: Namespace, name: str, kwargs: dict[str, Any], recipes: dict[str, Recipe], x: torch.Tensor,
                   steps: int, lr: float, eps: float) -> dict[str, Any]:
    """Adam steps on one batch with the stand-in objective, from the grader's values: each loss and the final values."""
    model = _build(ns, name, kwargs)
    parameters = _lend(model, recipes)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=eps)
    losses = []
    for _ in range(steps):
        x_hat, mu, logvar = model(x)
        loss = stand_in_objective(x_hat, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"losses": losses, "parameters": {n: p.detach() for n, p in parameters.items()}}


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
    """What ``train_epoch`` returned: its type, whether it is a number, whether it tracks gradients, its value."""
    facts = {"type": type(value).__name__, "number": isinstance(value, (int, float)) and not isinstance(value, bool),
             "requires_grad": bool(getattr(value, "requires_grad", False)), "value": None}
    if facts["number"]:
        facts["value"] = float(value)
    elif isinstance(value, torch.Tensor) and value.numel() == 1:
        facts["value"] = float(value.detach())
    return facts


@probe
def training_epochs(ns: Namespace, scenario: dict[str, Any]) -> dict[str, Any]:
    """Call the notebook's ``train_epoch`` once per epoch on the model, data and optimizer the scenario lends.

    The grader's stand-in objective is lent to it as ``vae_loss``, in the globals the function
    reads (the caller's namespace may be a copy), so a mistake in the loss costs the vae_loss
    points only. Per epoch: what it returned, the model's weights afterwards (what the grader
    compares with its own replay of the epoch), and what ``EpochWatch`` saw (feedback only).
    """
    train_epoch = _get(ns, "train_epoch")
    lent = Scenario(**scenario)
    model, loader, optimizer = lend(lent)
    watch = EpochWatch(model, optimizer)
    results = []
    with _lent(getattr(train_epoch, "__globals__", ns), "vae_loss", stand_in_objective):
        for _ in range(lent.epochs):
            model.train(not lent.arrives_in_eval)
            done = watch.epoch(lambda: train_epoch(model, loader, optimizer, torch.device(DEVICE)))
            results.append(dict(done, returned=_number_facts(done["returned"]), weights=weights(model)))
    return {"epochs": results}
