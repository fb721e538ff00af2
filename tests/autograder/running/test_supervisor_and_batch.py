"""The supervising parent and the batch's bookkeeping, without grading anything (fast).

The end-to-end proofs (a grader really killed, a batch really interrupted) are in
tests/corpus/test_grader_robustness.py.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.__main__ import build_parser, main
from autograder.assignment.parts import TEST_PREFIX, the_assignment
from autograder.running.batch import (Outputs, class_report, find_submissions, points_text, read_records, student_of,
                                      total, with_given, write_csv)
from autograder.running.gradebook import GivenPoints, gradebook_points
from autograder.running.stream import assemble
from autograder.running.submission import NotAFile, find_notebook
from small_disk import run_on_small_disk

PLAN = [{"id": f"part.check{n}", "part": "part", "question": f"Question {n}?", "points": 2, "hidden": n == 2}
        for n in range(3)]


def _result(number: int, score: float) -> str:
    check = PLAN[number]
    return json.dumps({"result": {"id": check["id"], "part": "part", "question": check["question"], "points": 2,
                                  "score": score, "hidden": check["hidden"], "message": "Passed.", "seconds": 0.1,
                                  "stopped": False}})


def test_a_killed_child_keeps_what_it_graded_and_zeroes_the_rest():
    """Killed after one result (its last line cut short), is the report complete, with the kill named?"""
    lines = [json.dumps({"plan": PLAN}), _result(0, 2), _result(1, 2)[:30]]
    report, failure = assemble("s.ipynb", lines, -9, False, "", True, 1.0)
    assert [r.id for r in report.results] == [c["id"] for c in PLAN]
    assert [r.score for r in report.results] == [2, 0, 0]
    assert failure == "the grader's process was killed by SIGKILL"
    assert all("killed by SIGKILL" in r.message for r in report.results[1:]) and "SIGKILL" in report.notes[0]


def test_a_crashed_child_names_its_last_words():
    """Does a child that died of an exception report its last log line, and one that hung its timeout?"""
    lines = [json.dumps({"plan": PLAN})]
    _, failure = assemble("s", lines, 1, False, "Traceback ...\nOverflowError: cannot convert float infinity\n", True, 1)
    assert failure == "the grader's process stopped with exit code 1 (OverflowError: cannot convert float infinity)"
    _, failure = assemble("s", lines, -9, True, "", True, 1)
    assert "did not finish within" in failure


def test_a_finished_child_is_taken_as_it_is():
    report = {"submission": "s\ud800", "results": [json.loads(_result(0, 2))["result"]], "notes": [], "theory": {},
              "seconds": 1.5}
    result, failure = assemble("s", [json.dumps({"plan": PLAN}), json.dumps({"report": report})], 0, False, "", True, 1)
    assert failure is None and result.score == 2 and result.submission == "s\ufffd"


def test_students_are_named_by_nbgrader_folder_else_file(tmp_path):
    """submitted/<student>/<assignment>/ gives the student; else the folder or file name."""
    assert student_of(Path("course/submitted/alice/vae/vae.ipynb")) == "alice"
    assert student_of(Path("course/submitted/alice")) == "alice"
    assert student_of(Path("uploads/bob.ipynb")) == "bob.ipynb"
    (tmp_path / "bob.ipynb").write_text("{}")
    (tmp_path / "carol").mkdir()
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "dave.ipynb").symlink_to(tmp_path / "bob.ipynb")  # listed, so that grading refuses it with a row
    assert [s.student for s in find_submissions([tmp_path])] == ["bob.ipynb", "carol", "dave.ipynb"]


def test_links_and_special_files_are_refused(tmp_path):
    """A linked notebook, a linked folder on the way to it, and a fifo are refused; a plain one is found."""
    real = tmp_path / "real" / "vae.ipynb"
    real.parent.mkdir()
    real.write_text("{}")
    assert find_notebook(tmp_path / "real") == real
    (tmp_path / "link.ipynb").symlink_to(real)
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "vae").symlink_to(real.parent)
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "vae.ipynb").symlink_to(real)
    os.mkfifo(tmp_path / "fifo.ipynb")
    for path, phrase in [("link.ipynb", "symbolic link"), ("inner", "symbolic link"), ("linked", "symbolic link"),
                         ("fifo.ipynb", "not a regular file")]:
        try:
            find_notebook(tmp_path / path)
        except (NotAFile, FileNotFoundError) as error:
            assert phrase in str(error), error
        else:
            raise AssertionError(f"{path} was accepted")


def test_scores_are_formatted_one_way():
    assert [points_text(v) for v in (54, 54.0, 28.0, 27.5, 0, 0.25)] == ["54", "54", "28", "27.5", "0", "0.25"]


def test_a_part_whose_points_a_person_set_counts_those_in_the_total_and_the_csv(tmp_path):
    """Does a part overridden in Formgrader count its set points, not its checks', in the total and the CSV row?"""
    part = the_assignment().part_names[0]
    checks = [{"id": f"{part}.one", "part": part, "points": 2, "score": 2, "hidden": False, "message": "Passed."},
              {"id": "other.one", "part": "other", "points": 3, "score": 3, "hidden": False, "message": "Passed."}]
    record = with_given({"student": "alice", "score": 5, "max_score": 5, "checks": checks},
                        GivenPoints({"theory_kl": 2.0}, {part: 0.5}))
    assert total(record) == 0.5 + 3 + 2
    write_csv(tmp_path / "grades.csv", [record], [c["id"] for c in checks])
    header, row = (line.split(",") for line in (tmp_path / "grades.csv").read_text().splitlines())
    assert (row[1], row[header.index(TEST_PREFIX + part)], row[header.index(f"{part}.one")]) == ("5.5", "0.5", "2")


def _record(student: str, score: float, seconds: float, message: str = "wrong") -> dict:
    return {"student": student, "submission": student, "score": score, "max_score": 4, "seconds": seconds,
            "failure": None, "notes": [], "checks": [
                {"id": "a.one", "part": "a", "points": 2, "score": 2 if score >= 2 else 0, "hidden": False,
                 "message": "Passed." if score >= 2 else message},
                {"id": "a.two", "part": "a", "points": 2, "score": 2 if score == 4 else 0, "hidden": True,
                 "message": "Passed." if score == 4 else "hidden | lost"}]}


def test_records_csv_and_class_report(tmp_path):
    """A record cut short is ignored; the CSV is in student order; the report counts losses and messages."""
    outputs = Outputs(tmp_path / "grades.csv")
    records = [with_given(_record("carol", 4, 1.0), GivenPoints({"theory_kl": 2, "comparison": 1.5})),
               _record("alice", 2, 9.0),
               _record("bob", 0, 3.0, "wrong\x1b[2J")]
    outputs.records.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"student": "dave", "sco')
    assert sorted(read_records(outputs.records)) == ["alice", "bob", "carol"]
    write_csv(outputs.csv, records, ["a.one", "a.two"])
    written = ",".join(the_assignment().written_ids)
    assert written.startswith("theory_kl,") and written.split(",")[4] == "comparison"
    set_parts = ",".join(TEST_PREFIX + part for part in the_assignment().part_names)  # blank: the checks' points count
    blank = "," * len(the_assignment().part_names)
    assert outputs.csv.read_text().splitlines() == [  # the written answers count in max_score; blank: not graded yet
        f"student,score,max_score,a.one,a.two,{written},{set_parts}", f"alice,2,20,2,0,,,,,,,,{blank}",
        f"bob,0,20,0,0,,,,,,,,{blank}", f"carol,7.5,20,2,2,2,,,,1.5,,,{blank}"]
    report = class_report(records, outputs.histogram)
    assert "| `a.two` | 2 | 2 | hidden \\| lost (2) |" in report
    assert "| `a.one` | 2 | 1 | wrong\ufffd\\[2J (1) |" in report
    assert report.index("| alice | 9.0 |") < report.index("| bob | 3.0 |") < report.index("| carol | 1.0 |")


def test_names_and_messages_are_inert_in_the_csv_and_the_class_report(tmp_path):
    """Does a folder named like a formula stay text in grades.csv, and HTML or a link in a message text in the report?"""
    outputs = Outputs(tmp_path / "grades.csv")
    html = '<img src="http://track.example/p.gif"> [here](javascript:alert(1)) `x`'
    names = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "\tTab", "alice"]
    records = [_record(name, 0, 1.0, html) for name in names]
    write_csv(outputs.csv, records, ["a.one", "a.two"])
    cells = [line.split(",")[0] for line in outputs.csv.read_text().splitlines()[1:]]
    assert all(not cell.lstrip('"').startswith(("=", "+", "-", "@", "\t")) for cell in cells), cells
    assert "alice" in cells
    report = class_report(records, outputs.histogram)
    for raw in ("<img", "[here]", "`x`"):
        assert raw not in report, raw
    assert "&lt;img src=\"http://track.example/p.gif\"&gt; \\[here\\](javascript:alert(1)) \\`x\\` (6)" in report


NBGRADER_EXPORT = ("assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
                   "late_submission_penalty,score,max_score\nvae,None,None,alice,,,,79.0,0.0,79.0,80.0\n")


def test_grade_batch_never_replaces_nbgraders_grades_csv(tmp_path, capsys, monkeypatch):
    """Does `grade-batch --csv grades.csv` refuse to replace nbgrader export's CSV, and is its default another file?"""
    (tmp_path / "submitted" / "alice").mkdir(parents=True)
    exported = tmp_path / "grades.csv"
    exported.write_text(NBGRADER_EXPORT)
    monkeypatch.chdir(tmp_path)
    assert main(["grade-batch", "submitted", "--csv", "grades.csv"]) == 2
    assert exported.read_text() == NBGRADER_EXPORT and not (tmp_path / "grades.records.jsonl").exists()
    assert "nbgrader export writes grades.csv" in capsys.readouterr().err
    assert build_parser().parse_args(["grade-batch", "submitted"]).csv == Path("autograder-grades.csv")


def test_given_points_come_from_the_gradebook(tmp_path):
    """Graded answers (a person's points with extra credit, nbgrader's 0 for a stub) and parts whose points a person
    set (a manual score, or extra credit, over the autograder's) are read; the rest are not."""
    path = tmp_path / "gradebook.db"
    first, second, third = the_assignment().parts[:3]
    with Gradebook(f"sqlite:///{path}") as gradebook:
        gradebook.add_assignment("vae")
        gradebook.add_notebook("vae", "vae")
        for answer in the_assignment().written:
            gradebook.add_grade_cell(answer.id, "vae", "vae", max_score=answer.points, cell_type="markdown")
        for part in the_assignment().parts:
            gradebook.add_grade_cell(part.test_cell_id, "vae", "vae", max_score=part.points, cell_type="code")
        for student in ("alice", "bob"):
            gradebook.add_student(student)
            gradebook.add_submission("vae", student)
            for part in the_assignment().parts:  # what autograde's SaveAutoGrades stores
                gradebook.find_grade(part.test_cell_id, "vae", "vae", student).auto_score = part.points
        kl = gradebook.find_grade("theory_kl", "vae", "vae", "alice")
        kl.manual_score, kl.extra_credit, kl.needs_manual_grade = 1.5, 0.5, False
        gradebook.find_grade("comparison", "vae", "vae", "alice").auto_score = 0.0  # left as the stub
        gradebook.find_grade(first.test_cell_id, "vae", "vae", "alice").manual_score = 1.0
        gradebook.find_grade(second.test_cell_id, "vae", "vae", "alice").extra_credit = 0.5
        gradebook.find_grade(third.test_cell_id, "vae", "vae", "alice").extra_credit = 0.0
        gradebook.db.commit()
    assert gradebook_points(path, ["alice", "bob", "carol"]) == {  # carol: no submission there
        "alice": GivenPoints({"theory_kl": 2.0, "comparison": 0.0}, {first.name: 1.0, second.name: second.points + 0.5}),
        "bob": GivenPoints()}
    try:
        gradebook_points(tmp_path / "missing.db", ["alice"])
    except FileNotFoundError as error:
        assert "missing.db" in str(error) and not (tmp_path / "missing.db").exists()
    else:
        raise AssertionError("a missing gradebook was read as one with nothing graded")


# Run on a 64 kB disk: rows until the disk is full, then (space freed) a resumed ledger adds the rest.
FULL_DISK_LEDGER = """
import json, os, sys
from pathlib import Path
from autograder.running.batch import Outputs, _Ledger, read_records
folder = Path(sys.argv[1])
outputs, records, ids = Outputs(folder / "grades.csv"), json.loads(sys.argv[2]), ["a.one", "a.two"]
ledger = _Ledger(outputs, {}, ids)
(folder / "filler").write_bytes(b"x" * 52_000)  # someone else's files fill the disk meanwhile
added, error = 0, None
try:
    for record in records:
        ledger.add(record)
        added += 1
except OSError as failure:
    error = str(failure)
ledger.close()
kept = read_records(outputs.records)
rows = outputs.csv.read_text().splitlines()
lines = outputs.records.read_text().splitlines()
try:  # a new batch started on the full disk must not lose the records either
    _Ledger(outputs, kept, ids)
    restarted = None
except OSError as failure:
    restarted = str(failure)
after_restart = read_records(outputs.records)
(folder / "filler").unlink()
resumed = _Ledger(outputs, read_records(outputs.records), ids)
for record in records:
    if record["student"] not in resumed.records:
        resumed.add(record)
resumed.close()
print(json.dumps({"added": added, "error": error, "kept": sorted(kept), "lines": len(lines), "rows": rows,
                  "restarted": restarted, "after_restart": sorted(after_restart),
                  "final": sorted(read_records(outputs.records)), "final_rows": len(outputs.csv.read_text().splitlines())}))
"""


def test_a_full_disk_keeps_every_row_and_the_batch_resumes(tmp_path):
    """On a disk that fills up, is every row written kept whole in both files, the error clear, and a re-run complete?"""
    records = [_record(f"student-{n:02}", 2, 1.0, "x" * 300) for n in range(40)]
    run = run_on_small_disk(tmp_path / "disk", "64k", [sys.executable, "-c", FULL_DISK_LEDGER, str(tmp_path / "disk"),
                                                       json.dumps(records)], timeout=120,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    assert 0 < result["added"] < len(records), "the disk never filled up"
    assert "No space left on device" in result["error"] and "run the same command again" in result["error"]
    assert result["kept"] == [r["student"] for r in records[:result["added"]]] and result["lines"] == result["added"]
    assert len(result["rows"]) == result["added"] + 1 and all(row.count(",") == 12 + len(the_assignment().parts) for row in result["rows"])
    assert "No space left on device" in result["restarted"] and result["after_restart"] == result["kept"]
    assert result["final"] == sorted(r["student"] for r in records) and result["final_rows"] == len(records) + 1
