"""Grade one submission: read it (``submission``), run every check in the sandbox, collect points and feedback.

This module runs in the grader's process and never executes student code itself: that
happens in the sandbox's worker. Whatever a submission does, the result is a complete report
in which each check has its own points and message.
"""
from __future__ import annotations

import contextlib

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignment.parts import the_assignment
from autograder.framework.registry import Check
from autograder.assignment.graded_checks import load_checks
from autograder.framework.errors import WorkerFailure
from autograder.framework.results import CheckResult, blocked_parts, run_check
from autograder.sandbox.process import Limits, Sandbox, Zygote
from autograder.running.submission import read_submission


def total_points(checks: Iterable[tuple[str, float]], overrides: dict[str, float], written: dict[str, float]) -> float:
    """The automatic points and those a person gave, as nbgrader counts: a part whose points a person set in
    Formgrader counts those instead of its checks' (``checks``: each check's part and score)."""
    automatic = sum(score for part, score in checks if part not in overrides)
    return automatic + sum(overrides.values()) + sum(written.values())


@dataclass
class GradeReport:
    submission: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # notebook-level problems, for the student
    theory: dict[str, bool] = field(default_factory=dict)  # manually graded answers present?
    seconds: float = 0.0
    written: dict[str, float] = field(default_factory=dict)  # points a person gave, by written answer (gradebook)
    overrides: dict[str, float] = field(default_factory=dict)  # points a person set for a part, instead of its checks'

    @property
    def score(self) -> float:
        """The automatic points."""
        return sum(r.score for r in self.results)

    def checks_score(self, part: str) -> float:
        """The points the checks of one part gave."""
        return sum(r.score for r in self.results if r.part == part)

    def part_points(self, part: str) -> float:
        """The most the checks of one part can give."""
        return sum(r.points for r in self.results if r.part == part)

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def total_score(self) -> float:
        """The automatic points and those a person gave (0 for an answer not graded yet), as nbgrader counts: a part
        whose points a person set in Formgrader counts those instead of its checks'."""
        return total_points(((r.part, r.score) for r in self.results), self.overrides, self.written)

    @property
    def total_max(self) -> float:
        """Every point of the assignment: the checks' and the written answers'."""
        return self.max_score + the_assignment().written_points


def graded_inputs(include_hidden: bool) -> contextlib.AbstractContextManager[None]:
    """The inputs the checks draw: the grader's own, which no student can reproduce, when it grades with its hidden
    checks (``autograder.hidden.key``); the published ones, the self-check's, when it grades with the public ones
    only (the student bundle holds no hidden package)."""
    if not include_hidden:
        return contextlib.nullcontext()
    try:
        from autograder.hidden.key import graders_inputs
    except ModuleNotFoundError as error:
        if error.name not in ("autograder.hidden", "autograder.hidden.key"):
            raise
        return contextlib.nullcontext()  # a student bundle: its `grade` runs the public checks, on published inputs
    return graders_inputs()


def grade_submission(submission: str | Path, include_hidden: bool = True, limits: Limits = Limits(),
                     budget_seconds: float = 300.0, check_seconds: float | None = None,
                     on_plan: Callable[[list[Check]], None] | None = None,
                     on_result: Callable[[CheckResult], None] | None = None,
                     zygote: Zygote | None = None) -> GradeReport:
    """Grade a notebook (or a folder holding one); always returns a complete report.

    ``check_seconds`` replaces the default time limit of a check (tests use a short one); a check that declares
    a longer one keeps that proportion. ``on_plan``
    hears the checks before any student code runs and ``on_result`` each result as it is known,
    so that a supervising process keeps them if this one is killed (``autograder.running.supervisor``).
    ``zygote`` forks the workers (one the caller started early, or a grading lane's, shared by its
    submissions); without one the sandbox starts its own.
    """
    started = time.monotonic()
    report = GradeReport(submission=str(submission))
    try:
        submitted = read_submission(Path(submission))
    except (OSError, ValueError) as error:
        report.notes.append(f"The submission could not be read: {error}")
        report.results = [CheckResult.of(c, 0.0, f"Not graded: the submission could not be read ({error}).")
                          for c in load_checks(include_hidden)]
        report.seconds = time.monotonic() - started
        return report

    report.theory, report.notes = submitted.theory, list(submitted.notes)
    definitions = submitted.definitions
    with Sandbox(definitions.statements, limits, zygote) as sandbox:  # without a zygote, starts its own now
        checks: list[Check] = []
        try:
            checks = load_checks(include_hidden)  # imports torch here while the zygote does the same
            if on_plan is not None:
                on_plan(checks)
            sandbox.start()
            load_errors = sandbox.load_errors
            if "landlock" not in sandbox.layers:
                report.notes.append("This machine has no Landlock: your code's reads and writes were confined by "
                                    "Python audit hooks only.")
        except WorkerFailure as error:
            if not checks:
                checks = load_checks(include_hidden)
            report.notes.append(f"Loading your definitions failed: {error}.")
            load_errors = [{"names": list(definitions.names), "type": type(error).__name__,
                            "message": str(error), "filename": "<notebook>"}]
        from autograder.running.students import SandboxStudent

        blocked = blocked_parts(definitions, load_errors)
        defined = set(definitions.names)
        student = SandboxStudent(sandbox)
        with graded_inputs(include_hidden):
            for check in checks:
                if time.monotonic() - started > budget_seconds:
                    result = CheckResult.of(check, 0.0,
                                            f"Not run: grading used its whole {budget_seconds:.0f} s budget.")
                else:
                    result = run_check(check, student, defined, blocked, check_seconds,
                                       prepare=sandbox.ensure_started)
                report.results.append(result)
                if on_result is not None:
                    on_result(result)
                if result.stopped:  # a hang or crash: the other checks of this part would only repeat it
                    blocked[check.part] = f"Not run: an earlier check of `{check.part}` failed with: {result.message}"
        if sandbox.stopped:  # it used more than its share: nothing of it counts, however far it got (deterministic)
            report.notes.append(f"Grading stopped: {sandbox.stopped}.")
            report.results = [CheckResult.of(c, 0.0, f"Not graded: {sandbox.stopped}.") for c in checks]
    report.seconds = time.monotonic() - started
    return report
