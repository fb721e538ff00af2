"""Can a submission break the grader itself, or cost another student's row in a batch?

Attacks on the grader's side of the sandbox: lines forged on the worker's channel while the
definitions load and while a probe answers (shapes of ``Infinity`` or ``2**62``, nesting
100,000 deep, bad base64, a line that is not an object), text no encoder accepts and terminal
escapes in an exception, submissions that are links or fifos, a grader process killed by the
worker (``F_SETOWN`` + ``F_SETSIG = SIGKILL``) or from outside, and a 10 MB cell that once took
the grader to 5 GB. They are graded with ``grade-batch``, beside honest submissions, in one class
folder of 40 (nbgrader's ``submitted/<student>/vae/vae.ipynb`` layout) that is killed halfway
and graded again; a few also with ``grade``. Each must end with a complete report, the grader
alive, every honest row exactly right, and the hostile rows earning nothing for what they attack.
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent, indent

import nbformat
import psutil
import pytest

from autograder.assignment.parts import the_assignment
from autograder.running.batch import points_text
from autograder.assignment.graded_checks import load_checks
from autograder.framework.text import markdown_text
from hostile import sabotage
from mistakes import MISTAKES
from variants import REFERENCE, REPO_ROOT, STUDENT, Edit, edited_notebook

pytestmark = pytest.mark.slow

ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "MPLBACKEND": "Agg"}
FULL_MARKS = sum(check.points for check in load_checks())
F_SETSIG = 10  # Linux's fcntl command; Python's fcntl module does not name it


# Each payload is a Python expression, evaluated in the worker (a literal 200 kB line would make its cell
# too large to grade, and the part would lose for that reason instead).
FORGED_PAYLOADS = {
    "infinity": """'{"__tensor__": "float32", "shape": [Infinity], "data": ""}'""",
    "huge": """'{"__tensor__": "float32", "shape": [4611686018427387904, 4], "data": ""}'""",
    "deep": """'[' * 100_000 + ']' * 100_000""",
    "negative": """'{"__tensor__": "float32", "shape": [-4], "data": "AAAAAAAAAAAAAAAAAAAAAA=="}'""",
    "base64": """'{"__tensor__": "uint8", "shape": [3], "data": "@@@@"}'""",
    "not_an_object": """'[1, 2, 3]'""",
}


def _forge(payload: str) -> str:
    """Code that writes reply lines with a forged answer, as the worker encodes replies, to the grader's channel."""
    return dedent(f"""\
        import os, sys
        for number in range(3):
            line = '{{"__dict__": [["id", %d], ["ok", %s]]}}\\n' % (number, {FORGED_PAYLOADS[payload]})
            os.write(int(sys.argv[1]), line.encode())""")


def _forge_while_loading(task: str, anchor: str, payload: str) -> Edit:
    """A decorator that writes forged replies while the definition loads."""
    return Edit(task, anchor, "def _forge(function):\n" + indent(_forge(payload), "    ")
                + "\n    return function\n\n\n@_forge\n" + anchor)


KILL_GRADER = """\
import fcntl, os, signal
read_end, write_end = os.pipe()
fcntl.fcntl(read_end, fcntl.F_SETOWN, os.getppid())
fcntl.fcntl(read_end, %d, signal.SIGKILL)
fcntl.fcntl(read_end, fcntl.F_SETFL, fcntl.fcntl(read_end, fcntl.F_GETFL) | os.O_ASYNC)
os.write(write_end, b"x")
""" % F_SETSIG

UNENCODABLE = "raise ValueError('lone \\ud800 surrogate \\udcff, escape \\x1b[2J\\x1b]0;owned\\x07, bidi \\u202e')"


def _big_cell_notebook() -> bytes:
    """The reference with one extra 10 MB code cell of ``f(a,a,a,...)``."""
    notebook = nbformat.read(REFERENCE, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("f(" + "a," * 5_000_000 + "a)"))
    return nbformat.writes(notebook).encode()


@dataclass(frozen=True)
class Kind:
    """One kind of submission in the class folder: how to make it and which tasks it must lose."""

    name: str
    make: object  # Path -> None: writes the submission at that path (vae.ipynb)
    loses: tuple[str, ...] = ()  # tasks that must score 0 (others: exactly the reference's scores)
    loses_checks: tuple[str, ...] = ()  # or these check ids
    everything: bool = False  # scores 0 in every check
    note: str = ""  # a phrase the record's notes or messages must contain
    may_kill: bool = False  # the grader may be killed: later tasks may lose points too, never gain


def _loses(kind: Kind, check_id: str, task: str) -> bool:
    return kind.everything or task in kind.loses or check_id in kind.loses_checks


def _write(data: bytes):
    def make(path: Path) -> None:
        path.write_bytes(data)
    return make


def _edited(*changes: Edit):
    return lambda path: path.write_bytes(nbformat.writes(edited_notebook(*changes)).encode())


def _link_to(target: Path):
    return lambda path: path.symlink_to(target)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _linked_folder(path: Path) -> None:
    path.parent.rmdir()
    path.parent.symlink_to(REFERENCE.parent, target_is_directory=True)


MISTAKE_KINDS = [MISTAKES[0], MISTAKES[3], MISTAKES[11]]

KINDS = [
    Kind("reference", _write(REFERENCE.read_bytes())),
    Kind("stub", _write(STUDENT.read_bytes()), everything=True),
    *[Kind(f"mistake-{number}", _edited(*m.edits), loses_checks=m.loses, note=m.feedback)
      for number, m in enumerate(MISTAKE_KINDS)],
    Kind("not-json", _write(b"not a notebook"), everything=True, note="not a Jupyter notebook"),
    # One forged definition per submission: each restarts the worker, and all of loading has one time limit.
    Kind("forged-load-infinity", _edited(_forge_while_loading("vae_loss", "def vae_loss(", "infinity")),
         loses=("vae_loss",)),
    Kind("forged-load-huge", _edited(_forge_while_loading("interpolate", "def interpolate(", "huge")),
         loses=("interpolate",)),
    Kind("forged-load-deep", _edited(_forge_while_loading("sample_images", "def sample_images(", "deep")),
         loses=("sample_images",)),
    Kind("forged-answer", _edited(sabotage("reparameterize", _forge("negative")), sabotage("FFHQDataset", _forge("base64")),
                                  sabotage("VAE", _forge("not_an_object"))),
         loses=("reparameterize", "FFHQDataset", "VAE")),
    Kind("unencodable", _edited(sabotage("vae_loss", UNENCODABLE)), loses=("vae_loss",), note="\ufffd"),
    Kind("linked", _link_to(REFERENCE), everything=True, note="symbolic link"),
    Kind("fifo", _fifo, everything=True, note="not a regular file"),
    Kind("linked-folder", _linked_folder, everything=True, note="symbolic link"),
    Kind("kills-grader", _edited(sabotage("vae_loss", KILL_GRADER)), loses=("vae_loss",), may_kill=True),
    Kind("big-cell", _write(_big_cell_notebook()), note="too large"),
]
COPIES = {"reference": 5, "stub": 17, "not-json": 5}  # 40 submissions in all; every other kind once
CLASS_SIZE = 40
INTERRUPT_AFTER = 18  # rows: the first run is killed once this many are written


def _students() -> dict[str, Kind]:
    """Student names, each with its kind; the first of each kind is named after it."""
    students = {}
    for kind in KINDS:
        for copy in range(COPIES.get(kind.name, 1)):
            students[kind.name if copy == 0 else f"{kind.name}-{copy}"] = kind
    assert len(students) == CLASS_SIZE
    return students


def _make_class(root: Path, students: dict[str, Kind]) -> Path:
    submitted = root / "submitted"
    for student, kind in students.items():
        notebook = submitted / student / "vae" / "vae.ipynb"
        notebook.parent.mkdir(parents=True)
        kind.make(notebook)
    return submitted


def _batch(submitted: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade-batch", str(submitted), "--csv",
                             str(out / "grades.csv"), "--workers", "2", *extra],
                            cwd=out, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@dataclass(frozen=True)
class Batches:
    out: Path  # where the interrupted and resumed batch wrote
    rows_when_killed: int
    resumed: subprocess.CompletedProcess
    single: Path  # an uninterrupted batch of one student of each kind
    single_run: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> Batches:
    """The class graded by a batch killed (with its whole process group) after some rows, then run again;
    and one student of each kind graded by an uninterrupted batch, to compare rows with."""
    students = _students()
    root = tmp_path_factory.mktemp("class")
    submitted = _make_class(root, students)
    out = root / "out"
    out.mkdir()
    first = _batch(submitted, out)
    records = out / "grades.records.jsonl"
    deadline = time.monotonic() + 1500
    while _lines(records) < INTERRUPT_AFTER and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)  # a crash: the batch and every grader it started
    first.wait()
    rows_when_killed = _lines(records)
    resumed = _batch(submitted, out)
    stdout, stderr = resumed.communicate(timeout=1800)

    single_root = tmp_path_factory.mktemp("single")
    single_submitted = _make_class(single_root, {kind.name: kind for kind in KINDS})
    single = single_root / "out"
    single.mkdir()
    single_batch = _batch(single_submitted, single)
    single_stdout, single_stderr = single_batch.communicate(timeout=1800)
    return Batches(out, rows_when_killed, subprocess.CompletedProcess(resumed.args, resumed.returncode, stdout, stderr),
                   single, subprocess.CompletedProcess(single_batch.args, single_batch.returncode, single_stdout,
                                                       single_stderr))


def _csv_rows(path: Path) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return {row[0]: row[1:] for row in rows[1:]}


def _records(path: Path) -> dict[str, dict]:
    return {r["student"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_an_interrupted_batch_resumes_without_grading_anything_twice(batches):
    """Killed after some rows, does the re-run grade only the rest, keeping every row once?"""
    assert batches.resumed.returncode == 0, batches.resumed.stderr[-3000:]
    assert INTERRUPT_AFTER <= batches.rows_when_killed < CLASS_SIZE, "the first run was not cut short"
    records = batches.out / "grades.records.jsonl"
    assert set(_records(records)) == set(_students())
    assert _lines(records) == CLASS_SIZE, "a submission graded before the crash was graded again"
    assert f"0/{CLASS_SIZE - batches.rows_when_killed}" in batches.resumed.stderr  # the progress bar's total


def _hit_a_time_limit(record: dict) -> bool:
    """A grading in which a wall-clock limit ran out (on a machine busy enough, loading one can): its row
    depends on the machine's load, not only on the submission, so it is not compared."""
    return any("did not finish in time" in text or text.startswith("Stopped after")
               for text in record["notes"] + [c["message"] for c in record["checks"]])


def test_resumed_csv_is_the_uninterrupted_csv(batches):
    """Is every row of the resumed CSV what an uninterrupted batch gives a submission of its kind?"""
    assert batches.single_run.returncode == 0, batches.single_run.stderr[-3000:]
    resumed = (batches.out / "grades.csv").read_text(encoding="utf-8").splitlines()
    single = (batches.single / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert resumed[0] == single[0]
    assert [line.split(",")[0] for line in resumed[1:]] == sorted(_students()), "rows not in student order"
    single_rows = _csv_rows(batches.single / "grades.csv")
    timed = {**_records(batches.out / "grades.records.jsonl"), **{
        f"single {k}": r for k, r in _records(batches.single / "grades.records.jsonl").items()}}
    timed_out = {s.removeprefix("single ") for s, r in timed.items() if _hit_a_time_limit(r)}
    assert len(timed_out) <= 2, f"time limits hit in too many gradings to compare: {sorted(timed_out)}"
    for student, row in _csv_rows(batches.out / "grades.csv").items():
        kind = _students()[student]
        if kind.may_kill or {student, kind.name} & timed_out:  # which checks finish first depends on timing
            continue
        assert row == single_rows[kind.name], f"{student} differs from an uninterrupted {kind.name}"
    scores = [cell for row in single_rows.values() for cell in row]
    assert all(cell == cell.strip() and not cell.endswith(".0") for cell in scores), "scores formatted two ways"


def test_every_row_is_honest(batches):
    """Does each kind earn exactly what it should: full marks where honest, nothing for what it attacks?"""
    records = _records(batches.single / "grades.records.jsonl")
    reference = {c["id"]: c["score"] for c in records["reference"]["checks"]}
    assert records["reference"]["score"] == records["reference"]["max_score"] > 0
    for kind in KINDS:
        record = records[kind.name]
        assert record["max_score"] == records["reference"]["max_score"]
        assert {c["id"] for c in record["checks"]} == set(reference)
        text = "\n".join(record["notes"] + [c["message"] for c in record["checks"]])
        assert kind.note in text, f"{kind.name}: {kind.note!r} not in its feedback: {text[:500]}"
        # A mistake must lose its checks; the other checks of its part may go either way, other parts keep theirs.
        mistaken = {c["part"] for c in record["checks"] if c["id"] in kind.loses_checks}
        for check in record["checks"]:
            if _loses(kind, check["id"], check["part"]):
                assert check["score"] == 0, f"{kind.name} earned {check['id']}"
            elif kind.may_kill or check["part"] in mistaken:
                assert check["score"] <= reference[check["id"]]
            else:
                assert check["score"] == reference[check["id"]], f"{kind.name} lost {check['id']}: {check['message']}"
        if kind.may_kill and record["failure"]:
            assert "SIGKILL" in record["failure"] and "SIGKILL" in text


def test_class_report_and_histogram(batches):
    """Are the class report (per check: how many lost it, the most common message; the slowest) and its PNG there?"""
    report = (batches.out / "grades.report.md").read_text(encoding="utf-8")
    records = _records(batches.out / "grades.records.jsonl")
    assert report.startswith(f"# Class report: {CLASS_SIZE} submissions")
    for check_id in ("vae_loss.formula", "reparameterize.gradients_random_cotangent", "cifar10.batches"):
        lost = [c for r in records.values() for c in r["checks"] if c["id"] == check_id and c["score"] < c["points"]]
        message, count = Counter(c["message"] for c in lost).most_common(1)[0]
        assert f"| `{check_id}` | {points_text(lost[0]['points'])} | {len(lost)} | " in report
        shown = markdown_text(" ".join(message.split())).replace("|", "\\|")[:40]  # one line of a Markdown table
        assert shown in report and f"({count}) |" in report
    slowest = max(records.values(), key=lambda r: r["seconds"])
    assert f"| {slowest['student']} | {slowest['seconds']:.1f} |" in report.split("## Slowest gradings")[1]
    assert "\ud800" not in report and "\x1b" not in report
    png = (batches.out / "grades.histogram.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def _grade(notebook: Path, out: Path) -> subprocess.CompletedProcess:
    """``python -m autograder grade``, and the largest resident size of the processes it started."""
    out.mkdir(exist_ok=True)
    measure = ("import resource, subprocess, sys; run = subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
               "sys.exit(run.returncode)")
    return subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "autograder", "grade", str(notebook),
                           "--json", str(out / "results.json"), "--feedback", str(out / "feedback.md")],
                          cwd=out, env=ENV, capture_output=True, timeout=900)


def _assert_complete(out: Path, run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["max_score"] == FULL_MARKS + the_assignment().written_points  # the written answers: 0 until graded
    assert len([t for t in results["tests"] if t["max_score"]]) > 30
    assert (out / "feedback.md").read_text(encoding="utf-8").startswith("# Feedback")
    run.stdout.decode("utf-8")  # the table, strictly UTF-8
    return results


def test_grade_survives_unencodable_text(tmp_path):
    """With a lone surrogate and terminal escapes in an exception, do results.json, feedback and the table come out?"""
    notebook = tmp_path / "vae.ipynb"
    _edited(sabotage("vae_loss", UNENCODABLE))(notebook)
    results = _assert_complete(tmp_path / "out", _grade(notebook, tmp_path / "out"))
    feedback = (tmp_path / "out" / "feedback.md").read_text(encoding="utf-8")
    assert "\ufffd" in feedback and "\x1b" not in feedback and "\x1b" not in results["output"]
    assert results["score"] == FULL_MARKS - sum(t["max_score"] for t in results["tests"] if t["name"].startswith("vae_loss."))


@pytest.mark.parametrize("make", [_link_to(REFERENCE), _fifo], ids=["symlink", "fifo"])
def test_grade_refuses_links_and_special_files(tmp_path, make):
    """Does a notebook that is a link to the reference (or a fifo) get 0 points and a message, in good time?"""
    notebook = tmp_path / "vae.ipynb"
    make(notebook)
    started = time.monotonic()
    results = _assert_complete(tmp_path / "out", _grade(notebook, tmp_path / "out"))
    assert results["score"] == 0 and ("symbolic link" in results["output"] or "not a regular file" in results["output"])
    assert time.monotonic() - started < 300


def test_grader_killed_from_outside_still_reports(tmp_path):
    """With the grading process SIGKILLed midway, does `grade` still write a complete results.json saying so?"""
    out = tmp_path / "out"
    out.mkdir()
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(REFERENCE), "--json",
                                str(out / "results.json"), "--feedback", str(out / "feedback.md")],
                               cwd=out, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parent = psutil.Process(command.pid)
    deadline = time.monotonic() + 300
    grader = worker = None
    while worker is None and time.monotonic() < deadline and command.poll() is None:
        graders = [p for p in parent.children() if "autograder.running.supervisor" in " ".join(p.cmdline())]
        grader = graders[0] if graders else None
        workers = grader.children() if grader else []
        worker = workers[0] if workers else None
        time.sleep(0.2)
    assert worker is not None, "the grading never started a worker"
    # Some checks run: the worker has spent CPU time on them (a fixed sleep raced the machine's load).
    while command.poll() is None and time.monotonic() < deadline and sum(worker.cpu_times()[:2]) < 1.0:
        time.sleep(0.1)
    grader.kill()
    stdout, stderr = command.communicate(timeout=120)
    results = _assert_complete(out, subprocess.CompletedProcess(command.args, command.returncode, stdout, stderr))
    assert "killed by SIGKILL" in results["output"]
    assert all("killed by SIGKILL" in t["output"] for t in results["tests"]
               if t["max_score"] and not t["score"] and not t["name"].startswith("theory."))
    assert b"grading did not finish" in stderr
    assert not psutil.pid_exists(worker.pid) or worker.status() == psutil.STATUS_ZOMBIE, "the worker was left running"


def test_a_10_mb_cell_keeps_the_grader_under_2_gb(tmp_path):
    """Is an extra 10 MB cell skipped before it is parsed, with full marks and a note, the peak under 2 GB?"""
    notebook = tmp_path / "vae.ipynb"
    notebook.write_bytes(_big_cell_notebook())
    run = _grade(notebook, tmp_path / "out")
    results = _assert_complete(tmp_path / "out", run)
    peak_kib = int(run.stderr.decode().strip().splitlines()[-1])
    assert peak_kib < 2 << 20, f"peak resident size {peak_kib / 2**20:.1f} GiB"
    assert results["score"] == FULL_MARKS and "too large" in results["output"]
