"""The check registry: ``@check`` registers a question about the submission, with points and feedback.

A check is a function of a ``Student`` (the submission as seen through probes) that returns
normally to pass and raises ``AssertionError`` (with a message for the student) to fail.
Where a property holds over many inputs it is a hypothesis ``@given`` test, run derandomized.
Public checks live in ``autograder/checks/`` and ship to students; hidden ones live in
``autograder/hidden/`` and never leave the grader. The folder decides, not a flag.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hypothesis import HealthCheck, Phase, settings


class Student(Protocol):
    """The submission as the checks see it."""

    data_dir: Path

    def probe(self, name: str, *args: Any, seed: int = 0) -> Any: ...


@dataclass(frozen=True)
class Check:
    id: str
    part: str  # the graded part: its name, as in the notebook
    question: str
    points: float
    feedback: str
    hidden: bool
    seconds: float
    run: Callable[[Student], None]


REGISTRY: dict[str, Check] = {}
CHECK_SECONDS = 20.0  # a check's time limit unless it declares its own


def check(id: str, *, part: str, points: float, feedback: str, seconds: float = CHECK_SECONDS) -> Callable:
    """Register a check of ``part``. ``feedback`` names the likely mistake when it fails."""

    def register(function: Callable[[Student], None]) -> Callable[[Student], None]:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id!r}")
        hidden = function.__module__.startswith("autograder.hidden")
        question = (function.__doc__ or id).strip().splitlines()[0]
        REGISTRY[id] = Check(id, part, question, points, feedback, hidden, seconds, function)
        return function

    return register


def examples(count: int) -> settings:
    """Hypothesis settings for grading: derandomized, no database, no shrinking, no deadline."""
    return settings(max_examples=count, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                    print_blob=False)


def registered_checks(include_hidden: bool = True) -> list[Check]:
    """Every check the check packages register, in no particular order (``build-index`` reads them).

    The packages are found by name, as plugins: this module is below them and imports none of them.
    """
    packages = ["autograder.checks"] + (["autograder.hidden"] if include_hidden else [])
    for package in packages:
        try:
            module = importlib.import_module(package)
        except ModuleNotFoundError:
            if package == "autograder.hidden":
                continue  # a student bundle ships without the hidden checks
            raise
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{package}.{info.name}")
    return [c for c in REGISTRY.values() if include_hidden or not c.hidden]

