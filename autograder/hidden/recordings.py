"""What the public checks compare with, computed by the grader's own specification (never shipped).

A hidden module registers each value with ``@recording(name)``: a function of no arguments that
computes, deterministically, what a correct submission gives on a public check's inputs under the
current key (``framework.seeds``). ``write_recordings`` stores them, for the published inputs, where
``autograder.assignment.recorded.recorded`` reads them; under the grader's key that function calls
them live (``autograder.assignment.recorded.LIVE``).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.framework.registry import registered_checks
from autograder.framework.seeds import PUBLISHED, inputs_key
from autograder.assignment.recorded import FOLDER, LIVE
from autograder.sandbox import protocol


def recording(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``function`` as the computation of the recorded value ``name``."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        if name in LIVE:
            raise ValueError(f"duplicate recording {name!r}")
        LIVE[name] = function
        return function

    return register


def all_recordings() -> dict[str, Callable[[], Any]]:
    """Every registered recording (importing the hidden modules registers them)."""
    registered_checks(include_hidden=True)
    return dict(sorted(LIVE.items()))


def write_recordings(folder: Path = FOLDER) -> list[Path]:
    """Compute every recording for the published inputs into ``folder``, remove recordings no longer registered,
    and say what changed."""
    folder.mkdir(exist_ok=True)
    recordings = all_recordings()
    changed = []
    with inputs_key(PUBLISHED):
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
