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

from autograder.checks import TASKS, load_checks
from autograder.hidden_index import HIDDEN_CHECKS
from autograder.results import run_check
from autograder.students import LocalStudent


def self_check(task: str, namespace: dict[str, Any]) -> None:
    """Print the public checks of ``task`` run on ``namespace`` (pass ``globals()``)."""
    if task not in TASKS:
        raise ValueError(f"unknown part {task!r}; the parts are {', '.join(TASKS)}")
    checks = [c for c in load_checks(include_hidden=False) if c.task == task]
    with tempfile.TemporaryDirectory() as data_dir:
        student = LocalStudent(namespace, Path(data_dir))
        results = [run_check(check, student, set(namespace), {}) for check in checks]
    for result in results:
        mark = "PASS" if result.score == result.points else "FAIL"
        print(f"{mark} {result.id} ({result.score:g}/{result.points:g}): {result.question}")
        if result.score != result.points:
            print(f"     {result.message}")
    score, points = sum(r.score for r in results), sum(r.points for r in results)
    hidden = HIDDEN_CHECKS.get(task, ())
    hidden_points = sum(p for _, p in hidden)
    print(f"public checks of {task}: {score:g}/{points:g} points, of {points + hidden_points:g} for this part.")
    if hidden:
        names = ", ".join(f"{name} ({p:g})" for name, p in hidden)
        checks_word = "check" if len(hidden) == 1 else "checks"
        print(f"At grading, {len(hidden)} hidden {checks_word} worth {hidden_points:g} points also run on inputs you "
              f"do not see: {names}.")
