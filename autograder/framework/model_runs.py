"""Running a submitted model with the grader's parameter values, and comparing what it returns with the specification.

A ``Run`` is one comparison a model check makes: a model built with some arguments, grader-chosen
inputs, and grader-chosen values for its parameters (one set per seed; a second set catches a
layer that agrees by chance). The worker reports only the parameters' names and shapes
(``model_roles`` matches them to the described layers) and what ``encode``, ``decode`` and
``forward`` return; every verdict compares those outputs with what the specification computes
from the same values: live in a hidden check, or recorded (``autograder.assignment.recorded``) for a public one.
Nothing here computes a model: this module holds comparisons, not a solution.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import torch

from autograder.framework.seeds import keyed
from autograder.framework.model_roles import EVERY_PART, Assignment, Role, assignments, inputs, lent_values, roles_of, settings

IMAGES_AND_LATENTS = ("mu", "logvar", "decoded", "x_hat", "mu_forward", "logvar_forward")
LATENTS = {"mu": ("mu", "mu from encode"), "logvar": ("logvar", "logvar from encode"),
           "mu_forward": ("mu", "forward's mu"), "logvar_forward": ("logvar", "forward's logvar")}
IMAGES = {"decoded": ("decoded_pre", "decode's output"), "x_hat": ("forward_pre", "forward's x_hat")}
RTOL, ATOL = 1e-3, 1e-4  # float32 layers summed in another order differ by far less


@dataclass(frozen=True)
class Run:
    """One model, built with ``kwargs``, run on a grader-chosen batch with the grader's values for each seed."""

    name: str
    kwargs: dict[str, Any]
    batch: int
    seeds: tuple[int, ...]
    parts: tuple[str, ...] = EVERY_PART  # the layers this run's outputs depend on
    zeroed: tuple[str, ...] = ()  # roles whose weights are zero (``model_roles.role_recipe``)
    settings: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", settings(self.name, self.kwargs))

    @property
    def made(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in self.kwargs.items())})"

    @property
    def image_shape(self) -> tuple[int, ...]:
        s = self.settings
        return tuple(s["image_shape"]) if self.name == "VAE" else (s["in_channels"], s["image_size"], s["image_size"])

    @property
    def value_seeds(self) -> tuple[int, ...]:
        """The seeds of the grader's values for the parameters, under the current key (``seeds.keyed``)."""
        return tuple(keyed(seed) for seed in self.seeds)

    def _seed(self, what: str) -> int:
        return keyed(zlib.crc32(f"{self.made}:{self.batch}:{self.seeds}:{what}".encode()))

    @property
    def x(self) -> torch.Tensor:
        return inputs(self._seed("x"), (self.batch, *self.image_shape))

    @property
    def z(self) -> torch.Tensor:
        return inputs(self._seed("z"), (self.batch, self.settings["latent_dim"]), "randn")

    @property
    def cotangents(self) -> dict[str, torch.Tensor]:
        latent = (self.batch, self.settings["latent_dim"])
        return {"x_hat": inputs(self._seed("c_x_hat"), (self.batch, *self.image_shape), "randn"),
                "mu": inputs(self._seed("c_mu"), latent, "randn"),
                "logvar": inputs(self._seed("c_logvar"), latent, "randn")}

    def roles(self, every: bool = False) -> list[Role]:
        return roles_of(self.name, self.kwargs, EVERY_PART if every else self.parts)


def candidates(student: Any, run: Run) -> list[Assignment]:
    """Every way the student's layers can play the roles ``run`` needs (an AssertionError when none can)."""
    reported = student.probe("model_parameters", run.name, run.kwargs)
    parameters = [(str(name), tuple(int(size) for size in shape)) for name, shape in reported]
    try:
        return assignments(run.name, parameters, run.roles())
    except AssertionError as error:
        raise AssertionError(f"{run.made}: {error}") from None


def outputs(student: Any, run: Run, found: list[Assignment], methods: list[str] | None = None,
            gradients: bool = False) -> list[list[dict[str, Any]]]:
    """For each candidate, the student's outputs with each seed's values (one probe for all of them)."""
    roles = run.roles()
    value_sets = [candidate.recipes(roles, seed, run.zeroed) for candidate in found for seed in run.value_seeds]
    results = student.probe("model_outputs", run.name, run.kwargs, value_sets, run.x, run.z,
                            run.cotangents if gradients else None, methods)
    assert isinstance(results, list) and len(results) == len(value_sets), "the model probe answered something else"
    per = len(run.seeds)
    return [results[i * per:(i + 1) * per] for i in range(len(found))]


def _close(got: torch.Tensor, want: torch.Tensor) -> float | None:
    """None when ``got`` matches ``want``; otherwise the largest difference."""
    if not want.numel():
        return None
    got, want = got.double(), want.double()
    worst, size = float((got - want).abs().max()), float(want.abs().max())
    return worst if math.isnan(worst) or worst > ATOL * max(1.0, size) + RTOL * size else None


def _follows(images: torch.Tensor, pre: torch.Tensor) -> bool:
    """Do the images rise with the specification's pre-activation (whatever the output activation)?"""
    order = pre.flatten().double().argsort()
    values = images.flatten().double()[order]
    if not bool(torch.isfinite(values).all()) or values.numel() < 16:
        return False
    spread = float(values.max() - values.min())
    drops = float((values[:-1] - values[1:]).max())
    bins = [float(chunk.mean()) for chunk in values.chunk(8)]
    return drops <= 1e-5 + 1e-4 * spread and bins[-1] - bins[0] > 1e-3


def mismatch(result: Any, expected: dict[str, torch.Tensor], keys: tuple[str, ...], images: str,
             strict: bool = False) -> str | None:
    """Why ``result`` disagrees with the specification's ``expected`` values, or None.

    ``images``: "sigmoid" (each pixel is the sigmoid of the specified pre-activation) or "follows"
    (the pixels rise with it, so a wrong output activation is left to the sigmoid checks).
    Unless ``strict``, the right values in another shape agree (a wrong shape is the shape checks' business).
    """
    if not isinstance(result, dict):
        return "the model probe answered something else"
    for key in keys:
        got = result.get(key)
        reference, what = LATENTS.get(key) or IMAGES[key]
        want = expected[reference]
        if not isinstance(got, torch.Tensor):
            return f"{what} is a {got}, not a tensor"
        if tuple(got.shape) != tuple(want.shape):
            if strict or got.numel() != want.numel():
                return f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
            got = got.reshape(want.shape)
        if key in LATENTS:
            worst = _close(got, want)
            if worst is not None:
                return (f"{what} is not what the described layers compute with the grader's weights "
                        f"(off by up to {worst:.3g})")
        elif images == "follows":
            if not _follows(got, want):
                return f"{what} is not what the described decoder computes with the grader's weights"
        else:
            worst = _close(got, torch.sigmoid(want))
            if worst is not None:
                low, high = float(got.min()), float(got.max())
                return (f"{what} is not the sigmoid of what the described decoder computes before its output "
                        f"(off by up to {worst:.3g}; the values range from {low:.3g} to {high:.3g})")
    return None


def agreeing(run: Run, found: list[Assignment], results: list[list[dict[str, Any]]],
             expected: list[dict[str, torch.Tensor]], keys: tuple[str, ...], images: str = "follows",
             strict: bool = False) -> tuple[Assignment, list[dict[str, Any]]]:
    """The first candidate whose outputs agree with the specification for every seed; else an AssertionError."""
    assert len(expected) == len(run.seeds)
    first = None
    for candidate, per_seed in zip(found, results):
        problem = next(filter(None, (mismatch(r, e, keys, images, strict) for r, e in zip(per_seed, expected))), None)
        if problem is None:
            return candidate, per_seed
        first = first or problem
    raise AssertionError(f"{run.made}: {first}")


def assert_agrees(student: Any, run: Run, expected: list[dict[str, torch.Tensor]],
                  keys: tuple[str, ...] = IMAGES_AND_LATENTS, images: str = "follows", strict: bool = False) -> None:
    """The student's model, given the grader's values, returns what the specification computes from them."""
    methods = sorted({"mu": "encode", "logvar": "encode", "decoded": "decode"}.get(key, "forward") for key in keys)
    found = candidates(student, run)
    results = outputs(student, run, found, methods)
    for per_seed in results:
        for result in per_seed:
            latent = run.settings["latent_dim"]
            if isinstance(result, dict) and "latent_dim" in result and result["latent_dim"] != latent:
                raise AssertionError(f"{run.made}.latent_dim is {result['latent_dim']}, "
                                     f"expected {run.settings['latent_dim']}")
    agreeing(run, found, results, expected, keys, images, strict)


# --- gradients ---------------------------------------------------------------------------------

def gradient_summary(gradients: dict[str, dict[str, Any]], seed: int = 0) -> dict[str, dict[str, torch.Tensor]]:
    """Per role: the gradient's norm and its projections on two fixed unit directions (a recording's size)."""
    summary: dict[str, dict[str, torch.Tensor]] = {}
    for key, layer in gradients.items():
        summary[key] = {}
        for leaf, grad in layer.items():
            if not isinstance(grad, torch.Tensor):
                summary[key][leaf] = None
                continue
            flat = grad.detach().double().flatten()
            directions = [lent_values([{"seed": zlib.crc32(f"{seed}:{key}:{leaf}:{k}".encode()), "scale": 1.0,
                                        "shape": [flat.numel()]}]).double() for k in range(2)]
            summary[key][leaf] = torch.stack([flat.norm()] + [flat @ (d / d.norm()) for d in directions])
    return summary


def unreached(result: dict[str, Any]) -> list[str]:
    """Parameters that no gradient reached (None, or all zero)."""
    gradients = result["gradients"]
    return [name for name, grad in gradients.items()
            if not isinstance(grad, torch.Tensor) or not bool(torch.any(grad != 0))]


def assert_gradients(student: Any, run: Run, expected: list[dict[str, Any]]) -> None:
    """forward's outputs and the gradients of sum(cotangent * output) for every parameter are the specification's.

    ``expected``, per seed: the specification's outputs and ``gradient_summary`` of its gradients.
    """
    found = candidates(student, run)
    results = outputs(student, run, found, ["forward"], gradients=True)
    missing = unreached(results[0][0])
    assert not missing, f"{run.made}: no gradient reaches {', '.join(missing[:5])}"
    candidate, per_seed = agreeing(run, found, results, expected, ("x_hat", "mu_forward", "logvar_forward"), "sigmoid")
    for result, want in zip(per_seed, expected):
        got = gradient_summary(candidate.by_role(result["gradients"]))
        for key, layer in want["gradients"].items():
            for leaf, summary in layer.items():
                mine = got[key][leaf]
                scale = float(summary[0])
                if mine is None or float((mine - summary).abs().max()) > RTOL * scale + 1e-6:
                    raise AssertionError(f"{run.made}: the gradient reaching {run_role(run, key)}'s {leaf} is not "
                                         "the one the described layers give")


def run_role(run: Run, key: str) -> str:
    return next(role.what for role in run.roles(every=True) if role.key == key)
