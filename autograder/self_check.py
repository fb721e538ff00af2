"""The one-line self-check students run in their notebook after each part.

It runs the *public* checks of one part on the notebook's own definitions, in the student's
own kernel (their code, their process), and prints what passed, the points and the feedback,
then names the hidden checks that grading adds, with their points, so that a full public score
never looks like a full grade. Nothing here imports the sandbox or POSIX-only modules: the
setup cell must import on Windows and macOS too.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from autograder.assignment import the_assignment
from autograder.checks import load_checks
from autograder.render import counted, part_lines, points, score_of
from autograder.results import run_check
from autograder.students import LocalStudent


def self_check(task: str, namespace: dict[str, Any]) -> None:
    """Print the public checks of ``task`` run on ``namespace`` (pass ``globals()``)."""
    part = the_assignment().part(task)
    checks = [c for c in load_checks(include_hidden=False) if c.task == task]
    with tempfile.TemporaryDirectory() as data_dir:
        student = LocalStudent(namespace, Path(data_dir))
        results = [run_check(check, student, set(namespace), {}) for check in checks]
    print("\n".join(part_lines(results)))
    print(f"public checks of {task}: {score_of(results)} points, of {points(part.points)} for this part.")
    hidden = the_assignment().hidden_checks.get(task, ())
    if hidden:
        names = ", ".join(f"{name} ({points(p)})" for name, p in hidden)
        print(f"At grading, {counted(len(hidden), 'hidden check')} worth {counted(sum(p for _, p in hidden), 'point')} "
              f"also run{'s' if len(hidden) == 1 else ''} on inputs you do not see: {names}.")
