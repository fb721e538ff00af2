"""The points a person gave the written answers, read from nbgrader's gradebook.

Formgrader stores them there; ``grade`` and ``grade-batch`` add them to the automatic points so that
``results.json``, the batch CSV, the gradebook and ``nbgrader export`` show one total per student.
nbgrader is imported only here, and only when a gradebook is named.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from autograder.assignment.parts import the_assignment

ASSIGNMENT = "vae"  # nbgrader's assignment and notebook names for this course (solutions/vae/vae.ipynb)


def written_points(gradebook: Path, students: Iterable[str], assignment: str = ASSIGNMENT,
                   notebook: str = ASSIGNMENT) -> dict[str, dict[str, float]]:
    """Per student, the points of each written answer that has a score in the gradebook.

    A score is there once a person graded the answer (``manual_score``, plus any extra credit) or
    when nbgrader scored it 0 itself (an answer left as the stub). An answer absent from the result
    is not graded yet. A student without a submission in the gradebook is left out, so the caller can say so.
    """
    from nbgrader.api import Gradebook, MissingEntry

    if not gradebook.is_file():  # SQLAlchemy would create an empty one and report nothing graded
        raise FileNotFoundError(f"no gradebook at {gradebook}")
    found: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{gradebook.resolve()}") as db:
        for student in students:
            try:
                db.find_submission_notebook(notebook, assignment, student)
            except MissingEntry:
                continue
            found[student] = {}
            for answer in the_assignment().written_ids:
                try:
                    grade = db.find_grade(answer, notebook, assignment, student)
                except MissingEntry:
                    continue
                if grade.manual_score is not None or grade.auto_score is not None:
                    found[student][answer] = float(grade.score)
    return found
