"""What the public checks compare with, computed by the grader's own specification (never shipped).

A hidden module registers each value with ``@recording(name)``: a function of no arguments that
computes, deterministically, what a correct submission gives on a public check's fixed inputs.
``write_recordings`` stores them where ``autograder.assignment.recorded.recorded`` reads them.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.framework.registry import registered_checks
from autograder.assignment.recorded import FOLDER
from autograder.sandbox import protocol

RECORDINGS: dict[str, Callable[[], Any]] = {}


def recording(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``function`` as the computation of the recorded value ``name``."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        if name in RECORDINGS:
            raise ValueError(f"duplicate recording {name!r}")
        RECORDINGS[name] = function
        return function

    return register


def all_recordings() -> dict[str, Callable[[], Any]]:
    """Every registered recording (importing the hidden modules registers them)."""
    registered_checks(include_hidden=True)
    return dict(sorted(RECORDINGS.items()))


def write_recordings(folder: Path = FOLDER) -> list[Path]:
    """Compute every recording into ``folder``, remove recordings no longer registered, and say what changed."""
    folder.mkdir(exist_ok=True)
    recordings = all_recordings()
    changed = []
    for name, compute in recordings.items():
        path = folder / f"{name}.json"
        data = protocol.dumps({"value": compute()})
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(path)
    for path in folder.glob("*.json"):
        if path.stem not in recordings:
            path.unlink()
            changed.append(path)
    return changed
