"""Grade one submission: read the notebook, run every check, collect points and feedback.

This module runs in the grader's process and never executes student code itself: that
happens in the sandbox's worker. Whatever a submission does, the result is a complete report
in which each check has its own points and message.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks import Check, load_checks
from autograder.sandbox import Limits, Missing, Sandbox, StudentError, Timeout, WorkerFailure
from vae_course.notebook_code import Definitions, extract_definitions, read_notebook

NOTEBOOK_NAME = "vae.ipynb"
THEORY_IDS = ("theory_kl", "theory_reparameterization", "theory_probabilistic", "theory_smoothness", "comparison",
              "interpolation_result", "samples_result", "beta_sweep")
UNANSWERED = {"", "YOUR ANSWER HERE"}
MESSAGE_CHARS = 1000  # feedback is read by a person; a submission's error text can be any length


@dataclass
class CheckResult:
    id: str
    task: str
    question: str
    points: float
    score: float
    hidden: bool
    message: str  # what the student may see
    seconds: float = 0.0
    stopped: bool = False  # the worker hung or died during this check

    def __post_init__(self) -> None:
        if len(self.message) > MESSAGE_CHARS:
            self.message = self.message[:MESSAGE_CHARS - 3] + "..."


@dataclass
class GradeReport:
    submission: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # notebook-level problems, for the student
    theory: dict[str, bool] = field(default_factory=dict)  # manually graded answers present?
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.results)


def find_notebook(submission: Path) -> Path:
    """The notebook to grade: the file itself, or ``vae.ipynb`` (else the only notebook) in a folder."""
    if submission.is_file():
        return submission
    if not submission.is_dir():
        raise FileNotFoundError(f"{submission} does not exist")
    named = sorted(submission.rglob(NOTEBOOK_NAME))
    notebooks = named or sorted(p for p in submission.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if len(notebooks) != 1:
        raise FileNotFoundError(f"expected one notebook named {NOTEBOOK_NAME} in {submission}, found {len(notebooks)}")
    return notebooks[0]


def _repair_cells(notebook) -> list[str]:
    """Check the structure the grader relies on, and skip the cells that lack it, with a note for each.

    nbformat only logs schema errors, so a hand-edited notebook can arrive with, say, a number as
    a cell's source or a string as its nbgrader metadata: that cell is skipped, not the notebook.
    """
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise ValueError("its cells are not a list of cells")
    notes = []
    for index, cell in enumerate(cells):
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        if nbgrader is not None and not (isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id", ""), str)):
            del cell["metadata"]["nbgrader"]
            notes.append(f"Cell {index} has malformed nbgrader metadata; it was read without it.")
        if not isinstance(cell.get("source", ""), str):
            cell["source"] = ""
            notes.append(f"Cell {index} was skipped: its source is not text.")
    return notes


def _theory_answers(notebook) -> dict[str, bool]:
    answers = {gid: False for gid in THEORY_IDS}
    for cell in notebook.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            answers[gid] = cell.get("source", "").strip() not in UNANSWERED
    return answers


def _failure(check: Check, error: BaseException, seconds: float = 0.0) -> str:
    if isinstance(error, Missing):
        return f"`{error}` is not defined in the notebook: define it in its cell, with that exact name."
    if isinstance(error, StudentError):
        if error.info.get("type") == "NotImplementedError":
            return f"`{check.task}` is not implemented yet: replace the `raise NotImplementedError()` in its cell."
        return f"Your code raised {error}. {check.feedback}"
    if isinstance(error, Timeout):
        return (f"Stopped after {seconds:.0f} s without an answer (an infinite loop, or far too much work). "
                f"{check.feedback}")
    if isinstance(error, WorkerFailure):
        return f"{str(error).capitalize()}. {check.feedback}"
    if isinstance(error, AssertionError) and not check.hidden and str(error):
        return f"{check.feedback} ({str(error).splitlines()[0]})"
    return check.feedback


def run_check(check: Check, student, defined: set[str], blocked: dict[str, str],
              check_seconds: float | None = None, prepare: Callable[[], None] | None = None) -> CheckResult:
    """Run one check; any failure, of the student's code or of the worker, fails only this check.

    ``prepare`` runs before the check's time starts: starting a worker again after an earlier
    part killed it must not eat into this check's time limit.
    """
    from autograder.probes import seed_all
    from autograder.students import check_seed

    started = time.monotonic()
    seed_all(check_seed(check.id))
    if check.task in blocked:
        message = blocked[check.task]
    elif check.task not in defined:
        message = _failure(check, Missing(check.task))
    else:
        seconds = check_seconds or check.seconds
        try:
            if prepare is not None:
                prepare()
            student.begin(check.id, seconds)
            check.run(student)
        except WorkerFailure as error:
            return CheckResult(check.id, check.task, check.question, check.points, 0.0, check.hidden,
                               _failure(check, error, seconds), time.monotonic() - started, stopped=True)
        except (AssertionError, Missing, StudentError) as error:
            message = _failure(check, error, seconds)
        except Exception as error:  # noqa: BLE001 (e.g. a student's result of an unexpected type)
            message = check.feedback if check.hidden else f"{check.feedback} ({type(error).__name__}: {error})"
        else:
            return CheckResult(check.id, check.task, check.question, check.points, check.points, check.hidden,
                               "Passed.", time.monotonic() - started)
    return CheckResult(check.id, check.task, check.question, check.points, 0.0, check.hidden, message,
                       time.monotonic() - started)


def _blocked_tasks(definitions: Definitions, load_errors: list[dict]) -> dict[str, str]:
    """Tasks whose definition could not be read or run, with the reason."""
    blocked: dict[str, str] = {}
    for problem in definitions.problems:
        if problem.grade_id and problem.grade_id not in definitions.names:
            blocked.setdefault(problem.grade_id, f"Cell {problem.cell} ({problem.grade_id}) has a {problem.message}.")
    for error in load_errors:
        for name in error["names"]:
            blocked[name] = (f"Defining `{name}` raised {error['type']}: {error['message']} "
                             f"({error['filename'].strip('<>')}).")
    return blocked


def grade_submission(submission: str | Path, include_hidden: bool = True, limits: Limits = Limits(),
                     budget_seconds: float = 300.0, check_seconds: float | None = None) -> GradeReport:
    """Grade a notebook (or a folder holding one); always returns a complete report.

    ``check_seconds`` replaces every check's own time limit (tests use a short one).
    """
    started = time.monotonic()
    report = GradeReport(submission=str(submission))
    try:
        notebook = read_notebook(find_notebook(Path(submission)))
        report.notes += _repair_cells(notebook)
    except (OSError, ValueError) as error:
        checks = load_checks(include_hidden)
        report.notes.append(f"The submission could not be read: {error}")
        report.results = [CheckResult(c.id, c.task, c.question, c.points, 0.0, c.hidden,
                                      f"Not graded: the submission could not be read ({error}).") for c in checks]
        report.seconds = time.monotonic() - started
        return report

    report.theory = _theory_answers(notebook)
    definitions = extract_definitions(notebook)
    report.notes += [f"Cell {p.cell} ({p.grade_id or 'no grade id'}) was skipped: {p.message}." for p in definitions.problems]
    with Sandbox(definitions.statements, limits) as sandbox:
        try:
            sandbox.launch()
            checks = load_checks(include_hidden)  # imports torch here while the worker starts up
            sandbox.wait_loaded()
            load_errors = sandbox.load_errors
        except WorkerFailure as error:
            checks = load_checks(include_hidden)
            report.notes.append(f"Loading your definitions failed: {error}.")
            load_errors = [{"names": list(definitions.names), "type": type(error).__name__,
                            "message": str(error), "filename": "<notebook>"}]
        from autograder.students import SandboxStudent

        blocked = _blocked_tasks(definitions, load_errors)
        defined = set(definitions.names)
        student = SandboxStudent(sandbox)
        for check in checks:
            if time.monotonic() - started > budget_seconds:
                report.results.append(CheckResult(check.id, check.task, check.question, check.points, 0.0, check.hidden,
                                                  f"Not run: grading used its whole {budget_seconds:.0f} s budget."))
                continue
            result = run_check(check, student, defined, blocked, check_seconds, prepare=sandbox.ensure_started)
            report.results.append(result)
            if result.stopped:  # a hang or crash: the other checks of this part would only repeat it
                blocked[check.task] = f"Not run: an earlier check of `{check.task}` failed with: {result.message}"
    report.seconds = time.monotonic() - started
    return report
