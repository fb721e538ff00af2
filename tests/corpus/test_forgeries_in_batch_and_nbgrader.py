"""Do the submissions that forge points earn nothing, and an honest neighbour everything, through grade-batch and
nbgrader too?

``test_hostile`` grades each entry through the grading service (the path of ``grade``). Here the entries that
try to forge points (probes, torch functions, ``nn.Module.__call__`` or the lent objects replaced inside the
worker; public code borrowed; the public checks' recorded answers returned) and the reference are graded together, once by ``python -m autograder
grade-batch`` and once by a single ``nbgrader autograde`` of a throwaway course: every student has a row, the
attacked parts score 0 and every other part what the reference earns, which is every automatic point.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from hostile import ENTRIES, TASKS, Targets
from variants import REFERENCE, REPO_ROOT

pytestmark = pytest.mark.slow

FORGERIES = ("training_probe_forged", "model_probes_forged", "probes_forged", "vae_loss_borrowed",
             "torch_rigged_by_decorator", "lent_objects_rigged_in_class_body", "recorded_answers_returned")
SABOTAGED = {entry.name: set(entry.sabotages) for entry in ENTRIES if entry.name in FORGERIES}
HONEST = "reference"
STUDENTS = sorted([*SABOTAGED, HONEST])
TEST_CELL = "test_{}"  # the grade id of a part's autograded test cell in nbgrader
GRADING_SECONDS = 1800


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=GRADING_SECONDS,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT),
                               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _submit(folder: Path, root: Path) -> None:
    """Each student's notebook as ``folder/STUDENT/vae/vae.ipynb`` (nbgrader's layout under submitted/)."""
    for student in STUDENTS:
        notebook = folder / student / "vae" / "vae.ipynb"
        notebook.parent.mkdir(parents=True)
        if student == HONEST:
            notebook.write_bytes(REFERENCE.read_bytes())
            continue
        entry = next(e for e in ENTRIES if e.name == student)
        targets = Targets(canary_dir=root / "outside" / student, results=root / "results" / student,
                          marker=root / "marker" / student)
        notebook.write_bytes(entry.build(targets))


def _expect_honest_points(points: dict[str, dict[str, float]], full: dict[str, float], where: str) -> None:
    """Every student is there; the reference earns ``full`` (each part's points); the others 0 on the parts they
    attack and ``full`` on the rest."""
    assert sorted(points) == STUDENTS, f"{where}: rows for {sorted(points)}, expected {STUDENTS}"
    assert set(full) == set(TASKS) and all(full.values()), f"{where}: the parts' points {full}"
    wrong = {}
    for student in STUDENTS:
        expected = {task: 0.0 if task in SABOTAGED.get(student, ()) else full[task] for task in TASKS}
        if points[student] != expected:
            wrong[student] = {task: (points[student].get(task), want) for task, want in expected.items()
                              if points[student].get(task) != want}
    assert not wrong, f"{where}: (earned, expected) by part: {wrong}"


def test_grade_batch_keeps_every_row_and_gives_forgeries_nothing(tmp_path):
    """Graded together by grade-batch, does every student have a CSV row and a record, the forged parts 0 and the
    honest ones (and the reference) full marks?"""
    submissions = tmp_path / "submitted"
    _submit(submissions, tmp_path)
    grades = tmp_path / "out" / "grades.csv"
    grades.parent.mkdir()
    _run([sys.executable, "-m", "autograder", "grade-batch", str(submissions), "--csv", str(grades),
          "--workers", "2"], tmp_path)
    records = {}
    for line in grades.with_name("grades.records.jsonl").read_text().splitlines():
        record = json.loads(line)
        records[record["student"]] = record
    assert sorted(records) == STUDENTS
    assert all(r["failure"] is None for r in records.values()), {s: r["failure"] for s, r in records.items()}
    task_of = {c["id"]: c["part"] for c in records[HONEST]["checks"]}
    full: dict[str, float] = defaultdict(float)
    for c in records[HONEST]["checks"]:
        full[c["part"]] += c["points"]
    with grades.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    points: dict[str, dict[str, float]] = {}
    for row in rows:
        by_task: dict[str, float] = defaultdict(float)
        for check, task in task_of.items():
            by_task[task] += float(row[check])
        points[row["student"]] = dict(by_task)
        assert float(row["score"]) == sum(by_task.values()) == records[row["student"]]["score"], row["student"]
    assert len(rows) == len(STUDENTS), "a student has two rows"
    _expect_honest_points(points, dict(full), "grade-batch")


def test_nbgrader_autograde_gives_forgeries_nothing(tmp_path):
    """Autograded together by nbgrader, does every student's notebook get each part's score in the gradebook, the
    forged parts 0 and the honest ones (and the reference) full marks?"""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(REPO_ROOT / "solutions", course / "solutions")
    _submit(course / "submitted", tmp_path)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    (course / "students.csv").write_text("id\n" + "\n".join(STUDENTS) + "\n")
    _run([*nbgrader, "db", "student", "import", "students.csv"], course)
    _run([*nbgrader, "generate_assignment", "vae", "--force"], course)
    _run([*nbgrader, "autograde", "vae", "--force"], course)
    points: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        full = {task: gradebook.find_grade_cell(TEST_CELL.format(task), "vae", "vae").max_score for task in TASKS}
        for student in STUDENTS:
            try:
                grades = {g.name: g for g in gradebook.find_submission_notebook("vae", "vae", student).grades}
            except Exception as missing:  # noqa: BLE001 (nbgrader's MissingEntry: no row for her)
                raise AssertionError(f"nbgrader kept no submission of {student}: {missing}") from None
            points[student] = {task: grades[TEST_CELL.format(task)].auto_score for task in TASKS}
    _expect_honest_points(points, full, "nbgrader")
