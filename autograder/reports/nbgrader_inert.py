"""The nbgrader preprocessor that makes a student's notebook inert before Formgrader or feedback shows it.

Formgrader's submission page renders the autograded notebook file, and ``generate_feedback``
renders it again for the student, both in the instructor's browser session or the student's:
``MakeInert`` rewrites that notebook with ``autograder.reports.inert``. It runs last in autograde
(after ``SaveAutoGrades``, which compares a written answer with its stub as submitted) and
again in ``generate_feedback`` (after ``GetGrades`` adds the graders' comments), so a notebook
autograded before it was configured is inert in its feedback too.
"""
from __future__ import annotations

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.reports.inert import inert_notebook


class MakeInert(NbGraderPreprocessor):
    """Sanitize every Markdown cell, raw cell and output, so that nothing of the student's can run."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        return inert_notebook(nb), resources
