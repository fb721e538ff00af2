"""Does the README's instructor sequence work as written, and does the feedback name each part?

The sequence: generate_assignment into build/release (course/ is left alone), autograde (no student code run), the
written answers graded by a person (here through nbgrader's gradebook, as formgrader does),
generate_feedback, export.
"""
from __future__ import annotations

import csv
import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.assignment.parts import the_assignment
from course_tools.course_build import REPO_ROOT, SOLUTIONS

README = (REPO_ROOT / "README.md").read_text()
CONFIG = (REPO_ROOT / "nbgrader_config.py").read_text()
REFERENCE = SOLUTIONS / "vae" / "vae.ipynb"
ASSIGNMENT = the_assignment()
TOTAL = float(ASSIGNMENT.total_points)  # nbgrader writes points as floats
EXCHANGE = {"release_assignment", "collect", "release_feedback"}


def _readme_nbgrader_commands() -> list[list[str]]:
    """The README's `bash run.sh python -m nbgrader ...` lines, as argument lists after `-m nbgrader`."""
    lines = re.findall(r"^bash run\.sh python -m nbgrader (.+?)(?:\s+#.*)?$", README, re.M)
    return [shlex.split(line) for line in lines]


def _nbgrader(course: Path, args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_readme_keeps_generate_assignment_out_of_course():
    """Is nbgrader's release folder build/release in the configuration itself (so Formgrader's Generate button
    and ``--force`` never wipe course/), with no README command pointing it back at course/, and a warning why?"""
    assert re.search(r'^c\.CourseDirectory\.release_directory = "build/release"', CONFIG, re.M)
    generate = [c for c in _readme_nbgrader_commands() if c[0] == "generate_assignment"]
    assert generate and not any(a.startswith("--CourseDirectory.release_directory") for c in generate for a in c)
    assert "`--force` deletes the assignment's release folder" in README and "Generate" in README


@pytest.mark.slow
def test_instructor_sequence_gives_full_marks_and_feedback_naming_each_part(tmp_path):
    """Run the README's nbgrader commands in order on a perfect submission: full marks, course/ untouched, parts named?"""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(SOLUTIONS, course / "solutions")
    keep = course / "course" / "vae" / "data" / "downloaded.txt"  # what running the notebook in course/ leaves
    keep.parent.mkdir(parents=True)
    keep.write_text("a dataset the instructor downloaded")
    submitted = course / "submitted" / "alice" / "vae"
    submitted.mkdir(parents=True)
    shutil.copy(REFERENCE, submitted / "vae.ipynb")

    commands = _readme_nbgrader_commands()
    assert [c[0] for c in commands] == ["db", "generate_assignment", "release_assignment", "collect", "autograde",
                                        "generate_feedback", "release_feedback", "export"]
    for args in commands:
        if args[0] in EXCHANGE:  # the submission is put in submitted/ here; tests/end_to_end/test_instructor_workflow.py has them
            continue
        if args[0] == "generate_feedback":  # the person grading the written answers comes first, in formgrader
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
                for grade_id in ASSIGNMENT.written_ids:
                    grade = gradebook.find_grade(grade_id, "vae", "vae", "alice")
                    grade.manual_score = grade.max_score
                gradebook.db.commit()
        _nbgrader(course, args)

    assert keep.read_text() == "a dataset the instructor downloaded"
    with (course / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["student_id"], float(r["score"]), float(r["max_score"])) for r in rows] == [("alice", TOTAL, TOTAL)]
    page = html.unescape((course / "feedback" / "alice" / "vae" / "vae.html").read_text())
    summary = page[page.index('<div id="toc">'):page.index("</ol>")]
    assert "Test cell" not in summary and "Written response<" not in summary
    for part in ("make_cifar10_loaders", "reparameterize", "vae_loss", "ConvVAE", "VAE", "interpolate",
                 "FFHQDataset", "sample_images", "train_epoch"):
        assert f"<code>{part}</code> (autograded)</a>" in summary
    for question in ("Question 1", "Question 2", "Question 3", "Question 4", "Compare the models", "Result: interpolation",
                     "Result: generated faces", "The KL term at work"):
        assert f">{question} (written response)</a> (Score: 2.0 / 2.0)" in summary
    assert summary.count("(written response)</a> (Score: 2.0 / 2.0)") == len(ASSIGNMENT.written)
    assert page.count('<div id="toc">') == 1 and page.count(f"(Score: {TOTAL} / {TOTAL})</h4>") == 1
    assert "Student's answer" in page and "Grade cell: " in page and "Bootstrap v" in page  # nbgrader's page around it
