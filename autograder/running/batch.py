"""Grade a class: every submission in folders, in parallel, each row kept as soon as it is graded.

Each submission is graded by its own grading child, forked by a lane (``autograder.running.lane``) that
imports the checks and starts a worker zygote once, so one that kills or crashes its grader costs
only its own row, and that row still says what happened.
Every finished grading is appended at once to a records file (JSON lines: scores, messages,
time) and to the CSV, so a crash or Ctrl-C loses nothing; a re-run skips the students already
in the records unless ``force``. At the end the CSV is rewritten in student order (so an
interrupted and resumed batch gives the same CSV as one run), with a class report beside it.
The written answers' points, and those a person set for a part in Formgrader, come from nbgrader's gradebook
when one is named, read afresh by every run (a re-run after manual grading updates the totals without grading
again); a record keeps only the automatic points, and every total is the automatic points (a part's set points
instead of its checks') plus the written ones, as nbgrader counts.
"""
from __future__ import annotations

import csv
import io
import json
import os
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from autograder.assignment.parts import TEST_PREFIX, the_assignment
from autograder.running.gradebook import GivenPoints
from autograder.running.grading import GradeReport, total_points
from autograder.running.lane import Lane
from autograder.running.stream import assemble
from autograder.framework.text import markdown_text, readable, shorten, spreadsheet_cell

SUBMITTED = "submitted"  # nbgrader's layout: submitted/<student>/<assignment>/<notebook>
SLOWEST = 5
HEADER = ["student", "score", "max_score"]  # how a CSV of grade-batch begins


@dataclass(frozen=True)
class StudentNotebook:
    """One student's notebook found in the class's folders (``running.submission.Submission`` is what grading reads
    of it)."""

    student: str
    path: Path


@dataclass(frozen=True)
class Outputs:
    """The files a batch writes, named after its CSV."""

    csv: Path

    @property
    def records(self) -> Path:
        return self.csv.with_name(self.csv.stem + ".records.jsonl")

    @property
    def report(self) -> Path:
        return self.csv.with_name(self.csv.stem + ".report.md")

    @property
    def histogram(self) -> Path:
        return self.csv.with_name(self.csv.stem + ".histogram.png")


def points_text(value: float) -> str:
    """Every score written one way: ``54``, ``27.5``, ``0`` (never ``54.0`` beside ``28``)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def student_of(path: Path) -> str:
    """The folder after ``submitted`` in nbgrader's layout, else the folder's or file's own name."""
    parts = path.parts
    if SUBMITTED in parts[:-1]:
        index = len(parts) - 1 - parts[::-1].index(SUBMITTED)
        if index + 1 < len(parts):
            return parts[index + 1]
    return path.name


def find_submissions(folders: Iterable[Path]) -> list[StudentNotebook]:
    """One submission per notebook file or folder (links and special files too: grading refuses them, with a row)."""
    found = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix == ".ipynb" or path.is_dir() or path.is_symlink():
                found.append(StudentNotebook(student_of(path), path))
    counts = Counter(s.student for s in found)
    return sorted((s if counts[s.student] == 1 else StudentNotebook(str(s.path), s.path) for s in found),
                  key=lambda s: s.student)


def record_of(submission: StudentNotebook, report: GradeReport, failure: str | None) -> dict[str, Any]:
    """What the batch keeps of one grading: enough for the CSV and the class report (automatic points only)."""
    return {"student": readable(submission.student), "submission": readable(str(submission.path)),
            "score": report.score, "max_score": report.max_score, "seconds": round(report.seconds, 2),
            "failure": failure, "notes": [readable(n) for n in report.notes],
            "checks": [{"id": r.id, "part": r.part, "points": r.points, "score": r.score, "hidden": r.hidden,
                        "message": r.message} for r in report.results]}


def with_given(record: dict[str, Any], given: GivenPoints) -> dict[str, Any]:
    """The record with the points a person gave (the gradebook's, this run): written answers, parts overridden."""
    return {**record, "written": dict(given.written), "overrides": dict(given.parts)}


def total(record: dict[str, Any]) -> float:
    """The student's total: automatic points (a part's set points instead of its checks') and the written ones
    graded so far (0 for the others)."""
    return total_points(((c["part"], c["score"]) for c in record["checks"]), record.get("overrides", {}),
                        record.get("written", {}))


def total_max(record: dict[str, Any]) -> float:
    return record["max_score"] + the_assignment().written_points


def not_ours(path: Path) -> bool:
    """Is ``path`` a file grade-batch did not write (nbgrader's export, a spreadsheet)? Then it is not replaced."""
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            first = next(csv.reader(handle), [])
    except FileNotFoundError:
        return False
    return first[:len(HEADER)] != HEADER


def read_records(path: Path) -> dict[str, dict[str, Any]]:
    """The records of earlier runs, by student; a line cut short by a crash is ignored (graded again)."""
    records = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                records[record["student"]] = record
            except (ValueError, KeyError, TypeError):
                continue
    return records


def csv_row(record: dict[str, Any], check_ids: list[str]) -> list[str]:
    """Totals, each check's points, each written answer's points (blank: not graded yet), then the points a person
    set for a part (blank: the checks' count)."""
    scores = {c["id"]: c["score"] for c in record["checks"]}
    written, overrides = record.get("written", {}), record.get("overrides", {})
    return [spreadsheet_cell(record["student"]), points_text(total(record)), points_text(total_max(record)),
            *(points_text(scores[i]) if i in scores else "" for i in check_ids),
            *(points_text(written[i]) if i in written else "" for i in the_assignment().written_ids),
            *(points_text(overrides[p]) if p in overrides else "" for p in the_assignment().part_names)]


class OutputsNotWritten(OSError):
    """The batch's records or CSV could not be written (a full disk): the rows kept so far stay, a re-run resumes."""


def replace_atomically(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Write ``path`` whole, on disk (fsync), in one step: whatever fails on the way leaves the old file as it was."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_csv(path: Path, records: list[dict[str, Any]], check_ids: list[str]) -> None:
    """The whole CSV in student order, replaced in one step so that a crash or a full disk leaves the old one."""
    def write(handle: IO[str]) -> None:
        writer = csv.writer(handle)
        writer.writerow([*HEADER, *check_ids, *the_assignment().written_ids,
                         *(TEST_PREFIX + part for part in the_assignment().part_names)])
        writer.writerows(csv_row(r, check_ids) for r in sorted(records, key=lambda r: r["student"]))
    replace_atomically(path, write)


def _append(fd: int, text: str) -> None:
    """Append ``text`` and fsync, or leave the file as it was: a line cut short by a full disk would spoil the next."""
    size = os.lseek(fd, 0, os.SEEK_END)
    data = memoryview(text.encode("utf-8"))
    try:
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    except OSError:
        os.ftruncate(fd, size)  # needs no space
        raise


class _Ledger:
    """Appends each finished grading to the records and the CSV at once, on disk; never a half-written row."""

    def __init__(self, outputs: Outputs, records: dict[str, dict[str, Any]], check_ids: list[str]) -> None:
        self.records = dict(records)
        self.check_ids = check_ids
        self.outputs = outputs
        outputs.csv.parent.mkdir(parents=True, exist_ok=True)
        try:  # without the lines a crash cut short; a full disk leaves the old records
            replace_atomically(outputs.records, lambda h: h.writelines(json.dumps(r) + "\n" for r in records.values()))
            write_csv(outputs.csv, list(self.records.values()), check_ids)
        except OSError as error:
            raise self.not_written(error) from error
        self._records = os.open(outputs.records, os.O_WRONLY | os.O_APPEND)
        self._csv = os.open(outputs.csv, os.O_WRONLY | os.O_APPEND)
        self._lock = threading.Lock()

    def not_written(self, error: OSError) -> OutputsNotWritten:
        """The error a batch ends with when its outputs cannot be written: what happened, what is kept, what to do."""
        return OutputsNotWritten(error.errno, f"could not write {self.outputs.records} or {self.outputs.csv} "
                                 f"({error.strerror or error}); the {len(self.records)} rows written before are kept: "
                                 "free some space and run the same command again to grade the rest")

    def add(self, record: dict[str, Any]) -> None:
        """Keep one row in both files, or raise ``OutputsNotWritten`` with both as they were."""
        with self._lock:
            row = io.StringIO()
            csv.writer(row).writerow(csv_row(record, self.check_ids))
            size = os.lseek(self._records, 0, os.SEEK_END)
            try:
                _append(self._records, json.dumps(record) + "\n")
                _append(self._csv, row.getvalue())
            except OSError as error:
                os.ftruncate(self._records, size)  # the record whose CSV row failed: graded again on resume
                raise self.not_written(error) from error
            self.records[record["student"]] = record

    def close(self) -> None:
        os.close(self._records)
        os.close(self._csv)


def grade_class(folders: list[Path], outputs: Outputs, workers: int, force: bool = False,
                include_hidden: bool = True, given: dict[str, GivenPoints] | None = None,
                ) -> dict[str, dict[str, Any]]:
    """Grade every submission not yet in the records; returns all records, old and new, by student.

    ``given`` holds, per student, the points a person gave in the gradebook (``autograder.running.gradebook``).
    """
    from autograder.assignment.graded_checks import load_checks  # the CSV's columns; no student code runs in this process

    given = given or {}
    submissions = find_submissions(folders)
    earlier = {student: with_given(record, given.get(student, GivenPoints()))
               for student, record in ({} if force else read_records(outputs.records)).items()}
    todo = [s for s in submissions if s.student not in earlier]
    check_ids = [c.id for c in load_checks(include_hidden)]
    ledger = _Ledger(outputs, earlier, check_ids)
    lanes: queue.SimpleQueue[Lane] = queue.SimpleQueue()
    every_lane = [Lane(include_hidden) for _ in range(max(1, min(workers, len(todo))))]
    for lane in every_lane:
        lanes.put(lane)

    def grade(submission: StudentNotebook) -> dict[str, Any]:
        lane = lanes.get()
        try:
            report, failure, _ = lane.grade(submission.path)
        except Exception as error:  # noqa: BLE001 (the lane could not even start: still a row)
            report, failure = assemble(str(submission.path), [], None, False, f"{type(error).__name__}: {error}",
                                       include_hidden, 0.0)
        finally:
            lanes.put(lane)
        return with_given(record_of(submission, report, failure), given.get(submission.student, GivenPoints()))

    progress = tqdm(total=len(todo), unit="submission", desc="grading", dynamic_ncols=True)
    pool = ThreadPoolExecutor(max_workers=len(every_lane))
    try:
        pending: set[Future] = {pool.submit(grade, s) for s in todo}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                record = future.result()
                ledger.add(record)
                progress.set_postfix_str(f"{record['student'][:20]}: {points_text(record['score'])}")
                progress.update()
    except BaseException:  # Ctrl-C: what is graded is kept; stop the rest
        pool.shutdown(wait=False, cancel_futures=True)
        for lane in every_lane:
            lane.kill()
        raise
    finally:
        progress.close()
        ledger.close()
    for lane in every_lane:  # before the pool's threads end: a lane dies with the thread that started it
        lane.close()
    pool.shutdown()
    records = {s.student: ledger.records[s.student] for s in submissions if s.student in ledger.records}
    try:
        write_csv(outputs.csv, list(records.values()), check_ids)
    except OSError as error:
        raise ledger.not_written(error) from error
    return records


def _cell(text: str, limit: int = 160) -> str:
    """One table cell of Markdown: one line, no pipes, no HTML or links, of a readable length."""
    return markdown_text(shorten(" ".join(readable(text).split()), limit)).replace("|", "\\|")


def save_histogram(records: list[dict[str, Any]], path: Path) -> None:
    """A histogram of total scores, one bar per point."""
    from matplotlib.figure import Figure  # no pyplot: nothing global, no display needed
    from matplotlib.ticker import MaxNLocator

    scores = [total(r) for r in records]
    top = max([total_max(r) for r in records] + [1])
    figure = Figure(figsize=(7, 3.5), layout="constrained")
    axes = figure.add_subplot()
    axes.hist(scores, bins=[b - 0.5 for b in range(int(top) + 2)], color="#4c72b0", edgecolor="white")
    axes.set_xlabel(f"total score (of {points_text(top)})")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of students, never 0.2 of one
    axes.set_title(f"Total scores of {len(scores)} submissions")
    figure.savefig(path, dpi=120)


def class_report(records: list[dict[str, Any]], histogram: Path) -> str:
    """Per check, how many lost it and the most common message; the score distribution; the slowest gradings."""
    scores = sorted(total(r) for r in records)
    top = max((total_max(r) for r in records), default=0)
    lines = [f"# Class report: {len(records)} submissions", ""]
    if scores:
        lines.append(f"Total scores (of {points_text(top)}): mean {points_text(sum(scores) / len(scores))}, "
                     f"median {points_text(scores[len(scores) // 2])}, lowest {points_text(scores[0])}, "
                     f"highest {points_text(scores[-1])}; {sum(s == top for s in scores)} full marks.")
        waiting = sum(len(the_assignment().written) - len(r.get("written", {})) for r in records)
        if waiting:
            lines.append(f"{waiting} written answers are not graded yet: they count 0 in these totals "
                         "(`--gradebook` reads the points given in Formgrader).")
    lines += ["", f"![Histogram of total scores]({histogram.name})", ""]
    failed = [r for r in records if r.get("failure")]
    if failed:
        lines += ["## Gradings that did not finish", "", "| student | what happened |", "|---|---|"]
        lines += [f"| {_cell(r['student'])} | {_cell(r['failure'])} |" for r in failed]
        lines.append("")
    lost: dict[str, list[dict[str, Any]]] = {}
    points: dict[str, float] = {}
    for record in records:
        for check in record["checks"]:
            points[check["id"]] = check["points"]
            lost.setdefault(check["id"], [])
            if check["score"] < check["points"]:
                lost[check["id"]].append(check)
    lines += ["## Checks", "", "Most often lost first.", "",
              "| check | points | students who lost it | most common message (students) |", "|---|---|---|---|"]
    for check_id in sorted(lost, key=lambda i: -len(lost[i])):
        losers = lost[check_id]
        common = Counter(c["message"] for c in losers).most_common(1)
        message = f"{_cell(common[0][0])} ({common[0][1]})" if common else ""
        lines.append(f"| `{check_id}` | {points_text(points[check_id])} | {len(losers)} | {message} |")
    slowest = sorted(records, key=lambda r: -r["seconds"])[:SLOWEST]
    lines += ["", "## Slowest gradings", "", "| student | seconds | score |", "|---|---|---|"]
    lines += [f"| {_cell(r['student'])} | {r['seconds']:.1f} | {points_text(total(r))} |" for r in slowest]
    return "\n".join(lines) + "\n"


def write_class_report(records: list[dict[str, Any]], outputs: Outputs) -> None:
    save_histogram(records, outputs.histogram)
    replace_atomically(outputs.report, lambda handle: handle.write(class_report(records, outputs.histogram)))
