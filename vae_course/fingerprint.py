"""Fingerprints of the code that trains a model, so a checkpoint is resumed only by the same code.

A student who fixes a bug in ``vae_loss`` or ``train_epoch`` and re-runs the training cell must
not get back the weights the bug produced. The fingerprint is a digest of the bytecode, constants
and defaults of each function and class involved, following the helper functions and classes
they name from their own module, so an edit anywhere in that code changes it. Line numbers, file
names and comments are left out: moving a cell or re-running it in a new kernel keeps it.
"""
from __future__ import annotations

import hashlib
import types
from collections.abc import Iterator
from typing import Any

from torch import nn

_CONSTANTS = (int, float, complex, str, bytes, bool, type(None))


def _from_library(cls: type) -> bool:
    """Classes of torch and of Python itself are not the student's code."""
    return cls.__module__.split(".")[0] in {"torch", "builtins", "typing", "abc"}


class _Digest:
    """Walks functions and classes once each, feeding what defines their behaviour to one hash."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.seen: set[int] = set()

    def feed(self, *parts: Any) -> None:
        for part in parts:
            self.hash.update(repr(part).encode())
            self.hash.update(b"\0")

    def constant(self, value: Any) -> None:
        """Constants in the order Python would not randomise (set order depends on string hashing)."""
        if isinstance(value, types.CodeType):
            self.code(value)
        elif isinstance(value, (frozenset, set)):
            self.feed("set", sorted(repr(v) for v in value))
        elif isinstance(value, tuple):
            self.feed("tuple", len(value))
            for item in value:
                self.constant(item)
        else:
            self.feed(value)

    def code(self, code: types.CodeType) -> None:
        self.feed(code.co_code, code.co_names, code.co_varnames, code.co_argcount, code.co_kwonlyargcount)
        for const in code.co_consts:
            self.constant(const)

    def function(self, function: types.FunctionType) -> None:
        if id(function) in self.seen:
            return
        self.seen.add(id(function))
        self.feed("function", function.__qualname__)
        self.code(function.__code__)
        self.constant(function.__defaults__)
        self.feed(sorted((function.__kwdefaults__ or {}).items(), key=lambda kv: kv[0]))
        for cell in function.__closure__ or ():
            try:
                self.value(cell.cell_contents, closure=True)
            except ValueError:  # an empty cell: a name assigned later
                self.feed("empty cell")
        for name in _names(function.__code__):
            if name in function.__globals__:
                self.value(function.__globals__[name], module=function.__module__)

    def klass(self, cls: type) -> None:
        if id(cls) in self.seen or _from_library(cls):
            return
        self.seen.add(id(cls))
        self.feed("class", cls.__qualname__, [base.__qualname__ for base in cls.__bases__])
        for name, member in sorted(vars(cls).items(), key=lambda kv: kv[0]):
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if isinstance(member, types.FunctionType):
                self.feed(name)
                self.function(member)
            elif isinstance(member, _CONSTANTS) and not name.startswith("__"):
                self.feed(name, member)
        for base in cls.__bases__:
            self.klass(base)

    def value(self, value: Any, module: str | None = None, closure: bool = False) -> None:
        """A name a function uses: its own module's functions and classes, and plain constants.

        Imported modules and library objects are not followed (their versions are the lock's);
        a closure's mutable state (a list of losses, say) is not code and is left out.
        """
        if isinstance(value, types.FunctionType) and (closure or value.__module__ == module):
            self.function(value)
        elif isinstance(value, type) and (closure or value.__module__ == module):
            self.klass(value)
        elif isinstance(value, _CONSTANTS):
            self.feed(value)


def _names(code: types.CodeType) -> Iterator[str]:
    """Global names used by ``code`` and the functions nested in it (comprehensions, lambdas)."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


def code_fingerprint(target: Any) -> str:
    """A short digest of a function's or a model's code (for a model, every class it is built of)."""
    digest = _Digest()
    if isinstance(target, nn.Module):
        for module in target.modules():
            digest.klass(type(module))
    elif isinstance(target, types.FunctionType):
        digest.function(target)
    elif isinstance(target, type):
        digest.klass(target)
    else:  # a callable object, e.g. nn.BCELoss(): its class's code and its settings
        digest.klass(type(target))
        digest.feed(sorted((k, v) for k, v in vars(target).items() if isinstance(v, _CONSTANTS)))
    return digest.hash.hexdigest()[:16]
