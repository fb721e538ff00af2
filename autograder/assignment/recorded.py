"""Expected values of the public checks: recorded for the published inputs, computed live for the grader's.

A public check ships to students, so it cannot hold a working solution to compare a submission
with. Under the published key (``framework.seeds``: the self-check, ``grade --public-only``) it
compares with values that the grader-only specification (``autograder/hidden/``) computed once for
the check's inputs, stored in ``autograder/assignment/recorded/`` as the protocol writes them (JSON,
tensors as bytes, no pickle). ``python -m autograder record`` writes them again;
``tests/autograder/assignment/test_recorded.py`` fails while any is stale. Under the grader's own key
the inputs are ones no student can reproduce, and the same computations, registered here by the
hidden package (``LIVE``), give the expected values in the grader's process: a submission that
returns the recorded values earns nothing there.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.framework.seeds import PUBLISHED, current_key
from autograder.sandbox import protocol

FOLDER = Path(__file__).resolve().with_name("recorded")
LIVE: dict[str, Callable[[], Any]] = {}  # name -> its computation; filled by ``autograder.hidden.recordings``
_computed: dict[tuple[int, str], Any] = {}  # (key, name) -> value: each is computed once per process and key


def recorded(name: str) -> Any:
    """The value a correct submission gives on ``name``'s inputs under the current key; a clear error if there is
    none (never recorded, or the grader's specification is not loaded where a key of its own is in force)."""
    key = current_key()
    if key == PUBLISHED:
        path = FOLDER / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"no recorded value {name!r} in {FOLDER}: run `python -m autograder record`")
        return protocol.loads(path.read_bytes())["value"]
    if (key, name) not in _computed:
        if name not in LIVE:
            raise LookupError(f"no computation of {name!r} is registered: the inputs are the grader's own, and only "
                              "the grader's specification (autograder/hidden) knows what they give")
        _computed[key, name] = LIVE[name]()
    return copy.deepcopy(_computed[key, name])


def compute_live_values() -> None:
    """Compute every registered value for the current key now, before any check's time limit runs (and, in a
    grading lane, before it forks a child per submission)."""
    for name in LIVE:
        recorded(name)
