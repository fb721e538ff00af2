"""The valid-alternatives corpus: does correct code written differently get full marks?"""
from __future__ import annotations

import nbformat
import pytest

from alternatives import ALTERNATIVES
from autograder.assignment.graded_checks import load_checks
from autograder.running.grading import grade_submission, run_check
from autograder.running.students import LocalStudent
from variants import edited_definitions, edited_notebook


def test_corpus_has_at_least_twenty_alternatives():
    """Are there at least twenty differently written correct solutions?"""
    assert len(ALTERNATIVES) >= 20


@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=[a.name for a in ALTERNATIVES])
def test_alternative_gets_full_marks(alternative, tmp_path):
    """Does this alternative pass every check?"""
    namespace = edited_definitions(tmp_path, *alternative.edits)
    student = LocalStudent(namespace, tmp_path)
    failed = {c.id: r.message for c in load_checks()
              if (r := run_check(c, student, set(namespace), {})).score < r.points}
    assert not failed


@pytest.mark.slow
@pytest.mark.parametrize("order", ["first", "last"])
def test_all_alternatives_together_get_full_marks_in_the_sandbox(tmp_path, order):
    """Through the real sandbox, does a notebook with one alternative per cell (the first or the last listed) get full marks?"""
    edits, cells = [], set()
    for alternative in ALTERNATIVES if order == "first" else ALTERNATIVES[::-1]:
        if not cells & {e.grade_id for e in alternative.edits}:
            edits += alternative.edits
            cells |= {e.grade_id for e in alternative.edits}
    path = tmp_path / "vae.ipynb"
    nbformat.write(edited_notebook(*edits), path)
    report = grade_submission(path)
    assert report.score == report.max_score, {r.id: r.message for r in report.results if r.score < r.points}
