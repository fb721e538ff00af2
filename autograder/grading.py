"""Grade one submission: read the notebook, run every check, collect points and feedback.

This module runs in the grader's process and never executes student code itself: that
happens in the sandbox's worker. Whatever a submission does, the result is a complete report
in which each check has its own points and message.
"""
from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks import Check, load_checks
from autograder.errors import WorkerFailure
from autograder.results import CheckResult, run_check
from autograder.sandbox.process import Limits, Sandbox, Zygote
from vae_course.notebook_code import CellProblem, Definitions, extract_definitions, read_notebook

NOTEBOOK_NAME = "vae.ipynb"
THEORY_IDS = ("theory_kl", "theory_reparameterization", "theory_probabilistic", "theory_smoothness", "comparison",
              "interpolation_result", "samples_result", "beta_sweep")
UNANSWERED = {"", "YOUR ANSWER HERE"}
# Parsing code takes about 500 bytes of the grader's memory per character (a 10 MB cell of
# ``f(a,a,a,...)`` took 5 GB), so the grader reads only this much; the reference's largest cell is 5 kB.
MAX_NOTEBOOK_BYTES = 64 << 20  # the whole file, outputs and images included
MAX_CELL_CHARS = 100_000
MAX_CODE_CHARS = 1_000_000  # all code cells together


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


class NotAFile(OSError):
    """A submission that holds a link or a special file where the grader reads a file."""


def _plain_file_or_folder(path: Path, submission: Path) -> None:
    """Refuse symbolic links and special files: a submission is files, not links to the grader's own.

    A link could point at the reference solution (``zip -y`` keeps links), a fifo would block the
    grader and a device would feed it without end.
    """
    info = os.lstat(path)
    where = "" if path == submission else f" in {submission}"
    if stat.S_ISLNK(info.st_mode):
        raise NotAFile(f"{path.name}{where} is a symbolic link, not a file: submit the notebook itself")
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise NotAFile(f"{path.name}{where} is not a regular file (a fifo, socket or device): submit the notebook itself")


def _notebooks_in(folder: Path) -> tuple[list[Path], list[Path]]:
    """The notebooks in ``folder`` and below (a linked notebook is listed, to be refused), and the
    links to folders, which are not followed."""
    found, links = [], []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
        links += [Path(root, name) for name in dirs if os.path.islink(Path(root, name))]
        found += [Path(root, name) for name in files + dirs if name.endswith(".ipynb")]  # a folder named like one too
    return sorted(found), links


def find_notebook(submission: Path) -> Path:
    """The notebook to grade: the file itself, or ``vae.ipynb`` (else the only notebook) in a folder.

    The notebook and every folder between it and ``submission`` must be real files and folders.
    """
    if not os.path.lexists(submission):
        raise FileNotFoundError(f"{submission} does not exist")
    _plain_file_or_folder(submission, submission)
    if submission.is_file():
        return submission
    notebooks, links = _notebooks_in(submission)
    named = [p for p in notebooks if p.name == NOTEBOOK_NAME]
    chosen = named or notebooks
    if len(chosen) != 1:
        linked = (f" ({', '.join(str(p.relative_to(submission)) for p in links[:3])}: symbolic links are not followed, "
                  "submit files, not links)") if links else ""
        raise FileNotFoundError(f"expected one notebook named {NOTEBOOK_NAME} in {submission}, found {len(chosen)}{linked}")
    notebook = chosen[0]
    for part in [*reversed(notebook.relative_to(submission).parents[:-1]), notebook.relative_to(submission)]:
        _plain_file_or_folder(submission / part, submission)
    if not notebook.is_file():
        raise NotAFile(f"{notebook.name} in {submission} is a folder, not a notebook")
    return notebook


def _check_file_size(notebook: Path) -> None:
    size = os.lstat(notebook).st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise NotAFile(f"{notebook.name} is {size / 2**20:.0f} MB, more than the {MAX_NOTEBOOK_BYTES >> 20} MB the "
                       "grader reads: clear the outputs of large cells (Edit > Clear Outputs) and save it again")


def _oversized_cells(notebook) -> list[CellProblem]:
    """Empty the code cells over the size budget, before anything parses them, and say which.

    Each cell may hold ``MAX_CELL_CHARS`` and all code cells together ``MAX_CODE_CHARS``: parsing
    costs the grader's process memory in proportion, and no honest cell is anywhere near.
    """
    problems, total = [], 0
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        size = len(cell.get("source", ""))
        total += size
        if size > MAX_CELL_CHARS or total > MAX_CODE_CHARS:
            limit = (f"at most {MAX_CELL_CHARS // 1000} kB of code per cell" if size > MAX_CELL_CHARS
                     else f"at most {MAX_CODE_CHARS // 1_000_000} MB of code in all cells together")
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            problems.append(CellProblem(index, grade_id, f"source too large to grade ({size / 1000:,.0f} kB; "
                                                         f"the grader reads {limit})"))
            cell["source"] = ""
    return problems


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
                     budget_seconds: float = 300.0, check_seconds: float | None = None,
                     on_plan: Callable[[list[Check]], None] | None = None,
                     on_result: Callable[[CheckResult], None] | None = None,
                     zygote: Zygote | None = None) -> GradeReport:
    """Grade a notebook (or a folder holding one); always returns a complete report.

    ``check_seconds`` replaces every check's own time limit (tests use a short one). ``on_plan``
    hears the checks before any student code runs and ``on_result`` each result as it is known,
    so that a supervising process keeps them if this one is killed (``autograder.supervisor``).
    ``zygote`` forks the workers (one the caller started early, or a grading lane's, shared by its
    submissions); without one the sandbox starts its own.
    """
    started = time.monotonic()
    report = GradeReport(submission=str(submission))
    try:
        path = find_notebook(Path(submission))
        _check_file_size(path)
        notebook = read_notebook(path)
        report.notes += _repair_cells(notebook)
        oversized = _oversized_cells(notebook)
    except (OSError, ValueError) as error:
        checks = load_checks(include_hidden)
        report.notes.append(f"The submission could not be read: {error}")
        report.results = [CheckResult(c.id, c.task, c.question, c.points, 0.0, c.hidden,
                                      f"Not graded: the submission could not be read ({error}).") for c in checks]
        report.seconds = time.monotonic() - started
        return report

    report.theory = _theory_answers(notebook)
    definitions = extract_definitions(notebook)
    definitions.problems[:0] = oversized
    report.notes += [f"Cell {p.cell} ({p.grade_id or 'no grade id'}) was skipped: {p.message}." for p in definitions.problems]
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
        from autograder.students import SandboxStudent

        blocked = _blocked_tasks(definitions, load_errors)
        defined = set(definitions.names)
        student = SandboxStudent(sandbox)
        for check in checks:
            if time.monotonic() - started > budget_seconds:
                result = CheckResult(check.id, check.task, check.question, check.points, 0.0, check.hidden,
                                     f"Not run: grading used its whole {budget_seconds:.0f} s budget.")
            else:
                result = run_check(check, student, defined, blocked, check_seconds, prepare=sandbox.ensure_started)
            report.results.append(result)
            if on_result is not None:
                on_result(result)
            if result.stopped:  # a hang or crash: the other checks of this part would only repeat it
                blocked[check.task] = f"Not run: an earlier check of `{check.task}` failed with: {result.message}"
    report.seconds = time.monotonic() - started
    return report
