"""Is course/ exactly what nbgrader makes from solutions/, with no solution text in it?"""
from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest

from course_tools.course_build import COURSE, SOLUTIONS, generate_student_notebooks

REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def _notebook_pairs():
    sources = sorted(SOLUTIONS.glob("*/*.ipynb"))
    assert sources, "no source notebooks under solutions/"
    return [(src, COURSE / src.relative_to(SOLUTIONS)) for src in sources]


@pytest.mark.slow
def test_course_is_what_the_generator_makes(tmp_path):
    """Would `python -m course_tools build-course` leave course/ unchanged?"""
    generated = generate_student_notebooks(tmp_path)
    assert [p.relative_to(tmp_path) for p in generated] == [p.relative_to(COURSE) for _, p in _notebook_pairs()]
    for path in generated:
        committed = COURSE / path.relative_to(tmp_path)
        assert json.loads(path.read_text()) == json.loads(committed.read_text()), (
            f"{committed} drifted from solutions/: run `bash run.sh python -m course_tools build-course`")


@pytest.mark.parametrize("source,student", _notebook_pairs(), ids=lambda p: p.name)
def test_no_solution_text_reaches_students(source, student):
    """Does no line written only inside a solution region appear in the student notebook?"""
    src_text = "\n".join(c.source for c in nbformat.read(source, as_version=4).cells)
    solution_lines = {line.strip() for region in REGION.findall(src_text) for line in region.splitlines()}
    outside = {line.strip() for line in REGION.sub("", src_text).splitlines()}
    secret = {line for line in solution_lines - outside if len(line) > 3}
    student_text = student.read_text()
    student_lines = {line.strip() for c in nbformat.read(student, as_version=4).cells for line in c.source.splitlines()}
    assert secret, "found no solution regions; are the markers still there?"
    assert not secret & student_lines
    for marker in ("BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in student_text


@pytest.mark.parametrize("source,student", _notebook_pairs(), ids=lambda p: p.name)
def test_student_stubs_parse_and_say_what_to_write(source, student):
    """Does every student code cell parse, and every stub carry the 'YOUR CODE HERE' marker?"""
    notebook = nbformat.read(student, as_version=4)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            ast.parse(cell.source)
        if meta.get("solution"):
            assert ("YOUR CODE HERE" if cell.cell_type == "code" else "YOUR ANSWER HERE") in cell.source, meta["grade_id"]


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*/*.ipynb")) + sorted(COURSE.glob("*/*.ipynb")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_notebooks_are_committed_without_outputs(path):
    """Are outputs and execution counts cleared, so that diffs show only content?"""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
