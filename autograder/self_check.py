"""The one-line self-check students run in their notebook after each part.

It runs the *public* checks of one part on the notebook's own definitions, in the student's
own kernel (their code, their process), and prints what passed, the points and the feedback.
The hidden checks are not needed (a student bundle does not have them); they run at grading.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from autograder.checks import TASKS, load_checks
from autograder.grading import run_check
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
    print(f"public checks of {task}: {score:g}/{points:g} points. Grading adds hidden checks of the same part.")
