"""Read a submitted notebook, which may be anything: the one way in for an untrusted submission.

``read_submission`` takes a path (a notebook, or a folder holding one) and returns what grading
needs: the definitions to run in the sandbox, the written answers present, and notes for the
student on whatever was skipped. It refuses links and special files, keeps to size budgets
before anything parses, and repairs the structure nbformat lets through, so the rest of the
grader sees a well-formed notebook or an ``OSError``/``ValueError`` saying why there is none.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignment.parts import the_assignment
from vae_course.notebook_code import CellProblem, Definitions, extract_definitions, read_notebook

NOTEBOOK_NAME = "vae.ipynb"
UNANSWERED = {"", "YOUR ANSWER HERE"}
# Parsing code takes about 500 bytes of the grader's memory per character (a 10 MB cell of
# ``f(a,a,a,...)`` took 5 GB), so the grader reads only this much; the reference's largest cell is 5 kB.
MAX_NOTEBOOK_BYTES = 64 << 20  # the whole file, outputs and images included
MAX_CELL_CHARS = 100_000
MAX_CODE_CHARS = 1_000_000  # all code cells together


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
    """Which written answers hold more than the stub: a person grades them, the report only says which."""
    answers = {gid: False for gid in the_assignment().written_ids}
    for cell in notebook.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            answers[gid] = cell.get("source", "").strip() not in UNANSWERED
    return answers


@dataclass
class Submission:
    """A submission as the grader uses it: never its code run, only read."""

    notebook: Path
    definitions: Definitions
    theory: dict[str, bool] = field(default_factory=dict)  # written answer id -> present?
    notes: list[str] = field(default_factory=list)  # what was repaired or skipped, for the student


def read_submission(submission: Path) -> Submission:
    """Find, check and read the notebook; ``OSError`` or ``ValueError`` when there is none to grade."""
    path = find_notebook(submission)
    _check_file_size(path)
    notebook = read_notebook(path)
    notes = _repair_cells(notebook)
    oversized = _oversized_cells(notebook)
    definitions = extract_definitions(notebook)
    definitions.problems[:0] = oversized
    notes += [f"Cell {p.cell} ({p.grade_id or 'no grade id'}) was skipped: {p.message}." for p in definitions.problems]
    parts = set(the_assignment().part_names)
    notes += [d.message() for d in definitions.dropped if d.grade_id in parts]  # what a graded cell loses
    return Submission(path, definitions, _theory_answers(notebook), notes)
