"""Which of a submitted model's parameters plays which described layer, and the values the grader lends them.

The model checks never trust what a worker says about a model: the worker reports only the
names and shapes of the parameters that ``ConvVAE(...)`` or ``VAE(...)`` creates, and the
grader matches them to the roles the notebook describes (each convolution, head, linear layer).
Then the grader chooses every parameter's value, the worker runs the student's ``encode``,
``decode`` and ``forward`` with them, and the checks compare what came back with what the
specified architecture computes from the same values. A value is sent as a recipe (a seed, a
scale, a shape: ``lent_values``) so that even the 52.8 M parameters of ``ConvVAE()`` cross as a
few numbers. A role lists shapes only; this module holds no forward pass.

Matching accepts any registration order, any module layout (``nn.Sequential``, ``ModuleList``,
named attributes) and one fused ``Linear(features, 2 * latent_dim)`` in place of the two heads;
when shapes alone leave it ambiguous (the two heads always are), every candidate is returned and
the checks keep the one whose outputs agree.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import torch

Shape = tuple[int, ...]
Parameters = list[tuple[str, Shape]]  # (name, shape), as ``named_parameters`` lists them
Recipe = list[dict[str, Any]]  # pieces {"seed", "scale", "shape"}, concatenated along the first dimension
MAX_CANDIDATES = 8
FILLER_SCALE = 0.0  # a parameter that plays no role in a check (an extra layer, the encoder in a decoder check)

CONV_DEFAULTS = dict(in_channels=3, hidden_dim=400, latent_dim=20, num_layers=3, image_size=32)
VAE_DEFAULTS = dict(image_shape=(1, 28, 28), hidden_dim=400, latent_dim=20)


@dataclass(frozen=True)
class Role:
    """One layer of the specified architecture: its key, how the notebook names it, its parameter shapes."""

    key: str
    what: str
    weight: Shape
    bias: Shape
    fan_in: int
    part: str  # "encoder", "heads" (mu and logvar) or "decoder"

    @property
    def shapes(self) -> dict[str, Shape]:
        return {"weight": self.weight, "bias": self.bias}


def settings(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments with the defaults filled in."""
    return {**(CONV_DEFAULTS if name == "ConvVAE" else VAE_DEFAULTS), **kwargs}


def _linear(key: str, what: str, inputs: int, outputs: int, part: str) -> Role:
    return Role(key, f"{what}, Linear({inputs}, {outputs})", (outputs, inputs), (outputs,), inputs, part)


def conv_vae_roles(kwargs: dict[str, Any]) -> list[Role]:
    """ConvVAE's layers, encoder first, as the notebook describes them."""
    s = settings("ConvVAE", kwargs)
    channels = [s["hidden_dim"] * 2**i for i in range(s["num_layers"])]
    side = s["image_size"] // 2 ** s["num_layers"]
    features = channels[-1] * side * side
    latent = s["latent_dim"]
    roles = []
    for i, (c_in, c_out) in enumerate(zip([s["in_channels"]] + channels[:-1], channels)):
        roles.append(Role(f"conv{i}", f"encoder convolution {i}, Conv2d({c_in}, {c_out}, kernel_size=4, stride=2, "
                          "padding=1)", (c_out, c_in, 4, 4), (c_out,), c_in * 16, "encoder"))
    roles += [_linear("mu", "the mu head", features, latent, "heads"),
              _linear("logvar", "the logvar head", features, latent, "heads"),
              _linear("fc_decode", "the decoder's first layer", latent, features, "decoder")]
    for j, (c_in, c_out) in enumerate(zip(channels[::-1], channels[-2::-1] + [s["in_channels"]])):
        roles.append(Role(f"deconv{j}", f"decoder layer {j}, ConvTranspose2d({c_in}, {c_out}, kernel_size=4, "
                          "stride=2, padding=1)", (c_in, c_out, 4, 4), (c_out,), c_in * 4, "decoder"))
    return roles


def vae_roles(kwargs: dict[str, Any]) -> list[Role]:
    """VAE's layers, encoder first, as the notebook describes them."""
    s = settings("VAE", kwargs)
    pixels, hidden, latent = math.prod(s["image_shape"]), s["hidden_dim"], s["latent_dim"]
    return [_linear("fc1", "the encoder's hidden layer", pixels, hidden, "encoder"),
            _linear("mu", "the mu head", hidden, latent, "heads"),
            _linear("logvar", "the logvar head", hidden, latent, "heads"),
            _linear("fc3", "the decoder's hidden layer", latent, hidden, "decoder"),
            _linear("fc4", "the decoder's output layer", hidden, pixels, "decoder")]


EVERY_PART = ("encoder", "heads", "decoder")


def roles_of(name: str, kwargs: dict[str, Any], parts: tuple[str, ...] = EVERY_PART) -> list[Role]:
    roles = conv_vae_roles(kwargs) if name == "ConvVAE" else vae_roles(kwargs)
    return [role for role in roles if role.part in parts]


# --- values ----------------------------------------------------------------------------------

def _seed(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, parts)).encode())


def role_recipe(role: Role, leaf: str, seed: int, zeroed: tuple[str, ...] = ()) -> dict[str, Any]:
    """The grader's value for one role's weight or bias: scaled so activations stay of order one.

    The weights of the roles in ``zeroed`` are zero: a layer then outputs its bias whatever its input,
    which keeps a check about one thing (the shapes, say) from depending on the layers before it.
    """
    scale = (0.0 if role.key in zeroed else 1.4 / math.sqrt(role.fan_in)) if leaf == "weight" else 0.3
    return {"seed": _seed(seed, role.key, leaf), "scale": scale, "shape": list(role.shapes[leaf])}


def lent_values(recipe: Recipe) -> torch.Tensor:
    """The tensor a recipe describes: the same on the grader's side and in the worker."""
    parts = [torch.zeros(piece["shape"]) if float(piece["scale"]) == 0 else float(piece["scale"])
             * torch.randn(piece["shape"], generator=torch.Generator().manual_seed(int(piece["seed"])))
             for piece in recipe]
    return parts[0] if len(parts) == 1 else torch.cat(parts)


def role_values(roles: list[Role], seed: int, zeroed: tuple[str, ...] = ()) -> dict[str, dict[str, torch.Tensor]]:
    """Each role's weight and bias for ``seed``: what the specification computes with."""
    return {role.key: {leaf: lent_values([role_recipe(role, leaf, seed, zeroed)]) for leaf in ("weight", "bias")}
            for role in roles}


def inputs(seed: int, shape: tuple[int, ...], kind: str = "rand") -> torch.Tensor:
    """A grader-chosen input: images in [0, 1] (``rand``) or latent vectors and cotangents (``randn``)."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand if kind == "rand" else torch.randn)(shape, generator=generator)


# --- matching --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assignment:
    """Which module plays each role: role key -> (module prefix, half) with half None, 0 or 1 (a fused head)."""

    places: dict[str, tuple[str, int | None]]
    modules: dict[str, dict[str, Shape]] = field(repr=False)

    def recipes(self, roles: list[Role], seed: int, zeroed: tuple[str, ...] = ()) -> dict[str, Recipe]:
        """What the worker sets every parameter to: role values where a role is, zeros elsewhere."""
        by_key = {role.key: role for role in roles}
        played: dict[str, list[tuple[int, str]]] = {}
        for key, (prefix, half) in self.places.items():
            played.setdefault(prefix, []).append((half or 0, key))
        recipes: dict[str, Recipe] = {}
        for prefix, leaves in self.modules.items():
            for leaf, shape in leaves.items():
                name = f"{prefix}.{leaf}" if prefix else leaf
                if prefix in played:
                    recipes[name] = [role_recipe(by_key[key], leaf, seed, zeroed) for _, key in sorted(played[prefix])]
                else:
                    recipes[name] = [{"seed": _seed(seed, name), "scale": FILLER_SCALE, "shape": list(shape)}]
        return recipes

    def by_role(self, tensors: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Per-parameter tensors (gradients, trained values) regrouped by role; a fused head split in halves."""
        grouped: dict[str, dict[str, Any]] = {}
        for key, (prefix, half) in self.places.items():
            grouped[key] = {}
            for leaf in ("weight", "bias"):
                value = tensors.get(f"{prefix}.{leaf}" if prefix else leaf)
                if isinstance(value, torch.Tensor) and half is not None:
                    value = value.chunk(2)[half]
                grouped[key][leaf] = value
        return grouped


def modules_of(parameters: Parameters) -> dict[str, dict[str, Shape]]:
    """Parameters grouped by the module that holds them (``encoder.0.weight`` -> ``encoder.0``), in order."""
    modules: dict[str, dict[str, Shape]] = {}
    for name, shape in parameters:
        prefix, _, leaf = name.rpartition(".")
        modules.setdefault(prefix, {})[leaf] = tuple(shape)
    return modules


def _fused(mu: Role) -> dict[str, Shape]:
    return {"weight": (2 * mu.weight[0], mu.weight[1]), "bias": (2 * mu.bias[0],)}


def _search(slots: list[tuple[list[str], dict[str, Shape]]], modules: dict[str, dict[str, Shape]],
            used: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Injective choices of one module per slot with the slot's shapes, in registration order first."""
    if not slots:
        return [used]
    found: list[tuple[str, ...]] = []
    _, shapes = slots[0]
    for prefix, leaves in modules.items():
        if prefix not in used and leaves == shapes:
            found += _search(slots[1:], modules, used + (prefix,))
            if len(found) >= MAX_CANDIDATES:
                break
    return found


def _layer_list(modules: dict[str, dict[str, Shape]]) -> str:
    return "; ".join(f"{prefix or '(top level)'}: " + ", ".join(f"{leaf} {shape}" for leaf, shape in leaves.items())
                     for prefix, leaves in modules.items())


def assignments(name: str, parameters: Parameters, roles: list[Role]) -> list[Assignment]:
    """Every way (up to ``MAX_CANDIDATES``) the model's layers can play ``roles``; an AssertionError naming the
    first role no layer fits when there is none."""
    modules = modules_of(parameters)
    keys = [role.key for role in roles]
    separate = [([role.key], role.shapes) for role in roles]
    layouts = [(separate, [(key, None) for key in keys])]
    if "mu" in keys:
        mu = next(role for role in roles if role.key == "mu")
        fused = [slot for slot in separate if slot[0][0] not in ("mu", "logvar")] + [(["mu", "logvar"], _fused(mu))]
        for halves in ((0, 1), (1, 0)):
            places = [(slot[0][0], None) for slot in fused[:-1]] + [("mu", halves[0]), ("logvar", halves[1])]
            layouts.append((fused, places))
    found: list[Assignment] = []
    for slots, places in layouts:
        for choice in _search(slots, modules):
            prefixes = list(choice) + ([choice[-1]] if len(places) > len(choice) else [])
            found.append(Assignment({key: (prefix, half) for (key, half), prefix in zip(places, prefixes)}, modules))
    if found:
        return found[:MAX_CANDIDATES]
    for role in roles:
        fits = [p for p, leaves in modules.items() if leaves == role.shapes]
        fused = role.key in ("mu", "logvar") and any(leaves == _fused(role) for leaves in modules.values())
        if not fits and not fused:
            raise AssertionError(f"no layer of {name} fits {role.what}: weight {role.weight}, bias {role.bias} "
                                 f"(its layers: {_layer_list(modules)})")
    raise AssertionError(f"the layers of {name} cannot play every role of the description at once "
                         f"(its layers: {_layer_list(modules)})")


def parameter_total(parameters: Parameters) -> int:
    return sum(math.prod(shape) for _, shape in parameters)
