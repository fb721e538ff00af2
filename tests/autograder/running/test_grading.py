"""End to end through the sandbox: full marks, zero marks, broken and hostile submissions."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.assignment.parts import the_assignment
from autograder.running.grading import grade_submission
from autograder.reports.report import feedback_markdown, gradescope_results
from variants import REFERENCE as REFERENCE_NOTEBOOK
from variants import STUDENT as STUDENT_NOTEBOOK
from variants import Edit, edited_notebook

pytestmark = pytest.mark.slow


def _scores(report):
    return {r.id: r.score for r in report.results}


def _write(folder: Path, notebook) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "vae.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def reference_report():
    return grade_submission(REFERENCE_NOTEBOOK)


def test_reference_scores_full_marks(reference_report):
    """Does the reference solution get every point?"""
    assert reference_report.max_score > 0
    assert reference_report.score == reference_report.max_score, [r.message for r in reference_report.results if r.score < r.points]
    assert all(reference_report.theory.values())


def test_untouched_student_notebook_scores_zero_with_a_full_report():
    """Does the released notebook get 0 with every check reported and a reason for each?"""
    report = grade_submission(STUDENT_NOTEBOOK)
    results = gradescope_results(report)
    assert results["score"] == 0 and results["max_score"] == report.total_max > report.max_score > 0
    assert all("not implemented yet" in t["output"] for t in results["tests"] if not t["name"].startswith("theory."))
    assert all(t["output"].startswith("No answer: 0/") for t in results["tests"] if t["name"].startswith("theory."))
    assert not any(report.theory.values())


def test_results_json_follows_gradescope_and_hides_hidden_details(reference_report):
    """Has results.json Gradescope's fields, with hidden checks shown only after publishing?"""
    results = json.loads(json.dumps(gradescope_results(reference_report)))
    assert {"score", "max_score", "tests", "output", "visibility"} <= set(results)
    for test in results["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
    hidden = [r for r in reference_report.results if r.hidden]
    assert sum(t["visibility"] == "after_published" for t in results["tests"]) == len(hidden) > 0
    feedback = feedback_markdown(reference_report)
    assert all(r.question not in feedback for r in hidden)
    assert "hidden checks" in feedback


def _results_without_timing(report) -> dict:
    results = gradescope_results(report)
    results.pop("execution_time")
    return results


def test_grading_is_deterministic(reference_report, tmp_path):
    """Do the reference and three corpus entries (a mistake, a hang, an alternative) get identical results five times?"""
    from alternatives import ALTERNATIVES
    from mistakes import MISTAKES

    notebooks = {"reference": REFERENCE_NOTEBOOK}
    for name, edits in [("mistake", MISTAKES[0].edits), ("alternative", ALTERNATIVES[1].edits),
                        ("hang", (Edit("interpolate", "    vae.eval()\n", "    while True:\n        pass\n"),))]:
        notebooks[name] = _write(tmp_path / name, edited_notebook(*edits))
    for name, path in notebooks.items():
        runs = [_results_without_timing(grade_submission(path, check_seconds=3)) for _ in range(5)]
        assert all(run == runs[0] for run in runs), f"{name} was graded differently"


def test_a_syntax_error_costs_only_its_part(tmp_path):
    """Does a cell that does not parse lose only its own part's points, with the line in the feedback?"""
    path = _write(tmp_path, edited_notebook(Edit("vae_loss", "return bce + kl", "return bce + kl)")))
    report = grade_submission(path)
    lost = {r.id for r in report.results if r.score < r.points}
    assert lost and all(i.startswith("vae_loss.") for i in lost)
    assert any("syntax error" in r.message for r in report.results if r.part == "vae_loss")


def test_a_hang_costs_only_its_part_and_ends_in_time(tmp_path):
    """Does an infinite loop in reparameterize lose only reparameterize's points, within the time limit?"""
    path = _write(tmp_path, edited_notebook(Edit("reparameterize", "std = torch.exp(0.5 * logvar)",
                                                 "while True:\n        pass")))
    started = time.monotonic()
    report = grade_submission(path, check_seconds=3)
    assert time.monotonic() - started < 60
    lost = {r.part for r in report.results if r.score < r.points}
    assert lost == {"reparameterize"}
    assert any("Stopped after 3 s" in r.message for r in report.results)


def test_exiting_and_faking_output_earn_nothing(tmp_path):
    """Do os._exit, a fake results line and writing a results file leave the score honest?"""
    path = _write(tmp_path, edited_notebook(
        Edit("reparameterize", "std = torch.exp(0.5 * logvar)", "import os\n    os._exit(0)"),
        Edit("vae_loss", "bce = F.binary_cross_entropy(recon_x, x, reduction=\"sum\")",
             "print('{\"score\": 100}')\n    open('/tmp/results.json', 'w').write('{\"score\": 100}')\n"
             "    bce = F.binary_cross_entropy(recon_x, x, reduction=\"sum\")")))
    report = grade_submission(path)
    lost = {r.part for r in report.results if r.score < r.points}
    assert lost == {"reparameterize", "vae_loss"}
    assert any("ended" in r.message for r in report.results if r.part == "reparameterize")


@pytest.mark.parametrize("content", [b"not json at all", b'{"nbformat": 3, "cells": []}', b"\xff\xfe\x00garbage"])
def test_unreadable_notebooks_get_a_valid_zero_report(tmp_path, content):
    """Does a file that is not a version-4 notebook get 0 points and a report saying why?"""
    path = tmp_path / "vae.ipynb"
    path.write_bytes(content)
    report = grade_submission(path)
    results = gradescope_results(report)
    assert results["score"] == 0 and results["max_score"] > 0 and report.notes


def test_cli_writes_results_and_feedback(tmp_path):
    """Does `python -m autograder grade` write results.json and feedback.md and print a table?"""
    out = subprocess.run([sys.executable, "-m", "autograder", "grade", str(REFERENCE_NOTEBOOK),
                          "--json", str(tmp_path / "results.json"), "--feedback", str(tmp_path / "feedback.md")],
                         capture_output=True, text=True, check=True)
    results = json.loads((tmp_path / "results.json").read_text())
    assignment = the_assignment()  # full automatic points; the written answers count in the maximum, 0 until graded
    assert (results["score"], results["max_score"]) == (assignment.automatic_points, assignment.total_points)
    written = [t for t in results["tests"] if t["name"].startswith("theory.")]
    assert [t["name"] for t in written] == [f"theory.{w}: written answer (graded by a person)"
                                            for w in assignment.written_ids]
    assert all(t["output"].startswith("Answered, not graded yet: 0/") and t["score"] == 0 for t in written)
    assert "total" in out.stdout and (tmp_path / "feedback.md").read_text().startswith("# Feedback")


def test_grade_batch_writes_one_csv(tmp_path):
    """Does grade-batch grade several submissions in parallel into one CSV?"""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "alice.ipynb").write_bytes(REFERENCE_NOTEBOOK.read_bytes())
    (submissions / "bob.ipynb").write_bytes(STUDENT_NOTEBOOK.read_bytes())
    csv_path = tmp_path / "grades.csv"
    subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(submissions), "--csv", str(csv_path),
                    "--workers", "2"], capture_output=True, text=True, check=True)
    rows = csv_path.read_text().splitlines()
    assert len(rows) == 3 and rows[1].split(",")[1] != "0" and rows[2].split(",")[1] in {"0", "0.0"}


def test_grade_adds_the_written_points_of_the_gradebook(tmp_path):
    """Does `grade --gradebook` add the points a person gave (found by the folder after submitted/) to its total?"""
    from nbgrader.api import Gradebook

    assignment = the_assignment()
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment("vae")
        gradebook.add_notebook("vae", "vae")
        for answer in assignment.written:
            gradebook.add_grade_cell(answer.id, "vae", "vae", max_score=answer.points, cell_type="markdown")
        gradebook.add_student("alice")
        gradebook.add_submission("vae", "alice")
        grade = gradebook.find_grade(assignment.written_ids[0], "vae", "vae", "alice")
        grade.manual_score, grade.needs_manual_grade = 1.5, False
        gradebook.db.commit()
    folder = tmp_path / "submitted" / "alice" / "vae"
    folder.mkdir(parents=True)
    (folder / "vae.ipynb").write_bytes(REFERENCE_NOTEBOOK.read_bytes())
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--gradebook",
                    str(tmp_path / "gradebook.db"), "--json", str(tmp_path / "results.json")],
                   capture_output=True, text=True, check=True)
    results = json.loads((tmp_path / "results.json").read_text())
    assert (results["score"], results["max_score"]) == (assignment.automatic_points + 1.5, assignment.total_points)
