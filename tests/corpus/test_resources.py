"""Are a submission's resources its own? One that fills its working directory, graded with ``grade-batch`` beside
honest copies of the reference, on a small disk of its own that also holds the grader's temporary folders and the CSV.

The disk is a 96 MB tmpfs in a mount namespace made for the test (``small_disk``), never the machine's disk: so
root only. The same batch holds a student whose folder name is a spreadsheet formula and whose code raises with
HTML and links in its message: both reach the CSV and the class report only as text.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignment.graded_checks import load_checks
from hostile import DISK_FILLER, FORMULA_FOLDER, formula_and_html
from small_disk import run_on_small_disk
from variants import REFERENCE, REPO_ROOT, edited_notebook

pytestmark = pytest.mark.slow

FULL_MARKS = sum(check.points for check in load_checks())
HONEST = ("honest-1", "honest-2")
# Run with the disk's folder, the class, the victims alone and where to copy the outputs (the disk goes afterwards).
BATCHES = """
set -u
disk=$0 class=$1 victims=$2 results=$3
mkdir "$disk/tmp" "$disk/first" "$disk/second"
for run in first second; do
    folder=$class; [ "$run" = second ] && folder=$victims
    TMPDIR="$disk/tmp" "$4" -m autograder grade-batch "$folder" --csv "$disk/$run/grades.csv" --workers 2 \\
        > "$disk/$run/stdout" 2> "$disk/$run/stderr"
    echo $? > "$disk/$run/rc"
    ls -A "$disk/tmp" > "$disk/$run/leftovers"
    cp -r "$disk/$run" "$results/$run"
done
"""


def _make(folder: Path, student: str, notebook: nbformat.NotebookNode) -> None:
    path = folder / "submitted" / student / "vae" / "vae.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(nbformat.writes(notebook))


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> Path:
    """The class graded, then the victims alone, on a 96 MB disk; the outputs of each run, copied out."""
    root = tmp_path_factory.mktemp("resources")
    for student in HONEST:
        _make(root / "class", student, nbformat.read(REFERENCE, as_version=4))
        _make(root / "victims", student, nbformat.read(REFERENCE, as_version=4))
    _make(root / "class", "disk-filler", edited_notebook(DISK_FILLER))
    _make(root / "class", FORMULA_FOLDER, edited_notebook(formula_and_html()))
    (root / "results").mkdir()
    run = run_on_small_disk(root / "disk", "96m", [
        "sh", "-c", BATCHES, str(root / "disk"), str(root / "class" / "submitted"), str(root / "victims" / "submitted"),
        str(root / "results"), sys.executable], timeout=2400,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr[-3000:]
    return root / "results"


def _records(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in map(json.loads, (out / "grades.records.jsonl").read_text().splitlines())}


def _explain(out: Path) -> str:
    return f"exit {(out / 'rc').read_text().strip()}: {(out / 'stderr').read_text()[-3000:]}"


def test_a_disk_filler_ends_alone_and_its_neighbours_keep_full_marks(batches):
    """Does the filler end with a message saying it wrote too much, the honest copies keep every point, every row
    stay, and the filler's files go?"""
    first = batches / "first"
    assert (first / "rc").read_text().strip() == "0", _explain(first)
    records = _records(first)
    assert sorted(records) == sorted([*HONEST, "disk-filler", FORMULA_FOLDER])
    for student in HONEST:
        lost = [(c["id"], c["message"]) for c in records[student]["checks"] if c["score"] < c["points"]]
        assert records[student]["score"] == FULL_MARKS, f"{student} lost {lost[:3]}"
    filler = records["disk-filler"]
    assert filler["score"] == 0 and filler["max_score"] == FULL_MARKS
    assert all("wrote more than its working folder may hold" in c["message"] for c in filler["checks"]), \
        filler["checks"][0]["message"]
    assert len(list(csv.reader(io.StringIO((first / "grades.csv").read_text())))) == len(records) + 1
    assert (first / "leftovers").read_text().split() == [], "the grader's temporary folders were left behind"


def test_a_second_batch_after_the_filler_works(batches):
    """Does the next batch, of the honest copies alone, on the same disk, give them full marks?"""
    second = batches / "second"
    assert (second / "rc").read_text().strip() == "0", _explain(second)
    assert {s: r["score"] for s, r in _records(second).items()} == {s: FULL_MARKS for s in HONEST}
    assert (second / "leftovers").read_text().split() == []


def test_a_formula_name_and_html_messages_stay_text(batches):
    """Is the formula-named student's CSV cell text, and the HTML and links of its message text in the class report?"""
    first = batches / "first"
    rows = {row[0]: row for row in csv.reader(io.StringIO((first / "grades.csv").read_text()))}
    assert "'" + FORMULA_FOLDER in rows and FORMULA_FOLDER not in rows
    report = (first / "grades.report.md").read_text()
    assert "&lt;img src=" in report and "&lt;script&gt;" in report and "\\[grades\\](javascript:" in report
    for raw in ("<img", "<script", "[grades]", "`code`"):
        assert raw not in report, raw
