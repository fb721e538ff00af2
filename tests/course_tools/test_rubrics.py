"""Does every answer graded by a person come with a rubric whose points add up and that names
the usual misconceptions, shown to students beside the question but never as an answer?"""
from __future__ import annotations

import re

import nbformat
import pytest

from autograder.assignment.parts import the_assignment
from course_tools.course_build import COURSE, SOLUTIONS

SOURCE = SOLUTIONS / "vae" / "vae.ipynb"
STUDENT = COURSE / "vae" / "vae.ipynb"
POINT_LINE = re.compile(r"^- (\d+) pt: ", re.M)
NO_CREDIT = "*No credit (misconceptions):*"

# Misconceptions each rubric must keep naming (lower case): the ones a grader meets most often.
REQUIRED_MISCONCEPTIONS = {
    "theory_kl": ["makes the data (the images) gaussian", "cannot be trained",
                  r"the loss is a lower bound on $\log p(x)$ (or on $-\log p(x)$)"],
    "theory_reparameterization": ["makes sampling deterministic", r"gradients flow through $\varepsilon$"],
    "theory_probabilistic": ["expresses uncertainty", "because the data is gaussian"],
    "theory_smoothness": ["makes the data gaussian", "no holes remain",
                          "$q(z) = p(z)$, the codes would carry no information"],
    "comparison": ["compares two datasets", "reading the table's bits/dim as a likelihood"],
}


def _cells(path) -> list:
    return nbformat.read(path, as_version=4).cells


def _manual_answers(cells) -> dict[str, int]:
    """grade_id -> index of each markdown answer cell that a person grades."""
    return {c.metadata.nbgrader.grade_id: i for i, c in enumerate(cells)
            if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
            and c.metadata.nbgrader.get("solution")}


def rubric_problems(question: str, points: float) -> list[str]:
    """What is wrong with one question cell's rubric (empty when it is complete)."""
    problems = []
    graded_on, _, no_credit = question.partition(NO_CREDIT)
    awarded = sum(int(p) for p in POINT_LINE.findall(graded_on))
    if "*Graded on:*" not in graded_on or awarded != points:
        problems.append(f"its '- N pt:' lines add up to {awarded}, not the cell's {points} points")
    misconceptions = [line for line in no_credit.splitlines() if line.startswith("- ")]
    if len(misconceptions) < 2:
        problems.append(f"it lists {len(misconceptions)} misconceptions under {NO_CREDIT!r}, not at least 2")
    return problems


SOURCE_CELLS = _cells(SOURCE)
MANUAL = _manual_answers(SOURCE_CELLS)


def test_the_grader_reports_every_answer_graded_by_a_person():
    assert set(MANUAL) == set(the_assignment().written_ids)


@pytest.mark.parametrize("grade_id", sorted(MANUAL))
def test_rubric_adds_up_and_names_misconceptions(grade_id):
    """Is the question right above its answer, with points that add up and 0-point misconceptions?"""
    index = MANUAL[grade_id]
    question = SOURCE_CELLS[index - 1]
    assert question.metadata.nbgrader.grade_id == f"{grade_id}_question"
    assert rubric_problems(question.source, SOURCE_CELLS[index].metadata.nbgrader.points) == []
    no_credit = question.source.partition(NO_CREDIT)[2].lower()
    for phrase in REQUIRED_MISCONCEPTIONS.get(grade_id, []):
        assert phrase in no_credit, f"{grade_id}'s rubric no longer names the misconception {phrase!r}"


def test_rubric_check_catches_a_broken_rubric():
    """Would a rubric whose points do not add up, or without misconceptions, be caught?"""
    good = "*Graded on:*\n- 1 pt: a\n- 1 pt: b\n\n*No credit (misconceptions):*\n- x\n- y\n"
    assert rubric_problems(good, 2) == []
    assert len(rubric_problems(good, 3)) == 1
    assert len(rubric_problems(good.replace("- y\n", ""), 2)) == 1


@pytest.mark.parametrize("grade_id", sorted(MANUAL))
def test_students_see_the_rubric_but_no_answer(grade_id):
    """Is the rubric shown beside the question in course/, and the answer cell left empty?"""
    student_cells = _cells(STUDENT)
    answers = _manual_answers(student_cells)
    index = answers[grade_id]
    assert student_cells[index - 1].source == SOURCE_CELLS[MANUAL[grade_id] - 1].source
    assert student_cells[index].source.strip() == "YOUR ANSWER HERE"
