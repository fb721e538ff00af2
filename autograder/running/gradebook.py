"""The points a person gave in Formgrader, read from nbgrader's gradebook.

Formgrader stores them there: the written answers' points, and the points an instructor types over an
autograded part (a manual score, or extra credit, on its ``test_<part>`` cell), which nbgrader then counts
instead of the checks'. ``grade`` and ``grade-batch`` take both, so that ``results.json``, the batch CSV, the
gradebook and ``nbgrader export`` show one total per student. nbgrader is imported only here, and only when a
gradebook is named.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignment.parts import the_assignment

ASSIGNMENT = "vae"  # nbgrader's assignment and notebook names for this course (solutions/vae/vae.ipynb)


@dataclass(frozen=True)
class GivenPoints:
    """What a person decided for one student."""

    written: dict[str, float] = field(default_factory=dict)  # by written answer graded so far
    parts: dict[str, float] = field(default_factory=dict)  # by autograded part whose points a person set


def gradebook_points(gradebook: Path, students: Iterable[str], assignment: str = ASSIGNMENT,
                     notebook: str = ASSIGNMENT) -> dict[str, GivenPoints]:
    """Per student, the points of each written answer that has a score in the gradebook, and of each part overridden.

    A written answer has a score once a person graded it (``manual_score``, plus any extra credit) or when
    nbgrader scored it 0 itself (an answer left as the stub); one absent from the result is not graded yet.
    A part counts as overridden when its test cell's grade has a manual score or extra credit: its points are
    then the gradebook's (that score plus extra credit, as nbgrader counts them). A student without a submission
    in the gradebook is left out, so the caller can say so.
    """
    from nbgrader.api import Gradebook, MissingEntry

    if not gradebook.is_file():  # SQLAlchemy would create an empty one and report nothing graded
        raise FileNotFoundError(f"no gradebook at {gradebook}")
    found: dict[str, GivenPoints] = {}
    with Gradebook(f"sqlite:///{gradebook.resolve()}") as db:
        for student in students:
            try:
                db.find_submission_notebook(notebook, assignment, student)
            except MissingEntry:
                continue
            given = found[student] = GivenPoints()
            for answer in the_assignment().written_ids:
                try:
                    grade = db.find_grade(answer, notebook, assignment, student)
                except MissingEntry:
                    continue
                if grade.manual_score is not None or grade.auto_score is not None:
                    given.written[answer] = float(grade.score)
            for part in the_assignment().parts:
                try:
                    grade = db.find_grade(part.test_cell_id, notebook, assignment, student)
                except MissingEntry:
                    continue
                if grade.manual_score is not None or grade.extra_credit:
                    given.parts[part.name] = float(grade.score)
    return found
