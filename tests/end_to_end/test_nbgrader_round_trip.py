"""Does nbgrader's own round trip work on this course, with the autograder's scores in its gradebook?"""
from __future__ import annotations

import csv
import html
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignment.parts import the_assignment
from autograder.assignment.graded_checks import load_checks
from autograder.reports.nbgrader_grades import TEST_PREFIX, autograded_cells
from course_tools.course_build import COURSE, REPO_ROOT, SOLUTIONS

REFERENCE = SOLUTIONS / "vae" / "vae.ipynb"


def test_each_part_has_one_autograded_cell_worth_its_checks():
    """Is there one test cell per graded part, worth exactly the points of that part's checks?"""
    points: dict[str, float] = {}
    for check in load_checks():
        points[check.part] = points.get(check.part, 0) + check.points
    cells = autograded_cells(nbformat.read(REFERENCE, as_version=4))
    cell_points = {c.metadata.nbgrader.grade_id.removeprefix(TEST_PREFIX): c.metadata.nbgrader.points for c in cells}
    assert cell_points == points


def test_self_check_prints_public_results(reference, capsys):
    """Does the one-line self-check print each public check, its points and the total?"""
    from autograder.self_check import self_check

    self_check("vae_loss", dict(reference))
    printed = capsys.readouterr().out
    assert "PASS vae_loss.hand_computed (2/2)" in printed and "public checks of vae_loss: 5/5 points" in printed


def test_self_check_explains_a_failure(reference, capsys):
    """Does a wrong implementation get FAIL with the feedback message?"""
    from autograder.self_check import self_check

    namespace = dict(reference, vae_loss=lambda recon_x, x, mu, logvar: recon_x.sum())
    self_check("vae_loss", namespace)
    printed = capsys.readouterr().out
    assert "FAIL vae_loss.hand_computed (0/2)" in printed and "KL = -0.5" in printed


def _nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, check=True,
                   capture_output=True, text=True)


@pytest.mark.slow
def test_generate_autograde_feedback_export(tmp_path):
    """Do a correct, a partly wrong and an empty submission get full, partial and no automatic points through real nbgrader?"""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(SOLUTIONS, course / "solutions")
    submissions = {
        "correct": REFERENCE.read_text(),
        "partial": REFERENCE.read_text().replace("kl = -0.5 *", "kl = 0.5 *"),  # the KL sign flipped
        "empty": (COURSE / "vae" / "vae.ipynb").read_text(),
    }
    for student, text in submissions.items():
        _nbgrader(course, "db", "student", "add", student)
        folder = course / "submitted" / student / "vae"
        folder.mkdir(parents=True)
        (folder / "vae.ipynb").write_text(text)
    _nbgrader(course, "generate_assignment", "vae", "--force")
    _nbgrader(course, "autograde", "vae", "--force")
    _nbgrader(course, "generate_feedback", "vae", "--force")
    _nbgrader(course, "export")

    with (course / "grades.csv").open() as handle:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(handle)}
    assignment = the_assignment()
    full, total = assignment.automatic_points, assignment.total_points  # the written answers are graded by a person
    partial = full - assignment.part("vae_loss").points + 3  # vae_loss keeps 3 points, as its feedback says below
    assert scores == {"correct": (full, total), "partial": (partial, total), "empty": (0.0, total)}
    feedback = html.unescape((course / "feedback" / "partial" / "vae" / "vae.html").read_text())
    assert "Autograder: vae_loss, 3/9 points" in feedback and "Hidden checks: 1/4 points" in feedback
    hidden_questions = [c.question for c in load_checks() if c.hidden]
    assert not any(question in feedback for question in hidden_questions)
    assert not (course / "feedback" / "partial" / "vae" / "data").exists()
