"""Expected values of the public checks, recorded from the grader's own specification.

A public check ships to students, so it cannot hold a working solution to compare a submission
with. It compares with values that the grader-only specification (``autograder/hidden/``)
computed once for the check's fixed inputs, stored in ``autograder/assignment/recorded/`` as the protocol
writes them (JSON, tensors as bytes, no pickle). ``python -m autograder record`` writes them
again; ``tests/autograder/assignment/test_recorded.py`` fails while any is stale. A fixed input's answer
helps no one solve the part: the hidden twin of each public check asks about other inputs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.sandbox import protocol

FOLDER = Path(__file__).resolve().with_name("recorded")


def recorded(name: str) -> Any:
    """The value recorded as ``name``; a clear error if it never was."""
    path = FOLDER / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no recorded value {name!r} in {FOLDER}: run `python -m autograder record`")
    return protocol.loads(path.read_bytes())["value"]
