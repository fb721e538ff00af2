"""Command line: ``python -m autograder {grade,grade-batch,bundle,build-index}``."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from autograder.running.children import skip_unused_imports
from autograder.running.gradebook import GivenPoints
from autograder.running.supervisor import grade_supervised


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _given(gradebook: Path | None, students: list[str], assignment: str) -> dict[str, GivenPoints] | None:
    """The points a person gave in the gradebook, by student; ``None`` (and a message) when it cannot be read."""
    if gradebook is None:
        return {}
    from autograder.running.gradebook import gradebook_points

    try:
        found = gradebook_points(gradebook, students, assignment, assignment)
    except Exception as error:  # noqa: BLE001 (not a gradebook, a locked or newer database: a usage error)
        print(f"could not read the gradebook {gradebook}: {type(error).__name__}: {error}", file=sys.stderr)
        return None
    unknown = [student for student in students if student not in found]
    if unknown:
        print(f"{gradebook} has no submission of {assignment} by {', '.join(unknown)}: their written answers count as "
              "not graded yet (--student names the student of one notebook)", file=sys.stderr)
    return found


def grade(args: argparse.Namespace) -> int:
    if not args.submission.exists():  # a usage error, not a submission that earns 0
        print(f"python -m autograder grade: {args.submission} does not exist (relative to {Path.cwd()})", file=sys.stderr)
        return 2
    given = None
    if args.gradebook is not None:  # only then: importing the batch's modules here would slow every grading
        from autograder.running.batch import student_of

        student = args.student or student_of(args.submission.resolve())
        found = _given(args.gradebook, [student], args.assignment)
        if found is None:
            return 2
        given = found.get(student)
    report, failure, log = grade_supervised(args.submission, include_hidden=not args.public_only)
    if given is not None:
        report.written, report.overrides = given.written, given.parts
    from autograder.reports.report import feedback_markdown, gradescope_results, summary_table  # once the child has started

    if failure:
        print(f"{log.strip()[-3000:]}\ngrading did not finish: {failure}", file=sys.stderr)
    if args.json:
        _write(args.json, json.dumps(gradescope_results(report), indent=2) + "\n")
    if args.feedback:
        _write(args.feedback, feedback_markdown(report))
    print(summary_table(report))
    return 0


def grade_batch(args: argparse.Namespace) -> int:
    from autograder.running.batch import (Outputs, OutputsNotWritten, find_submissions, grade_class, not_ours, points_text,
                                  total, total_max, write_class_report)

    missing = [str(d) for d in args.dirs if not d.is_dir()]
    if missing:
        print(f"not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    submissions = find_submissions(args.dirs)
    if not submissions:
        print("no submissions found (expected .ipynb files or one folder per student)", file=sys.stderr)
        return 2
    if not_ours(args.csv):
        print(f"{args.csv} exists and grade-batch did not write it (nbgrader export writes grades.csv): "
              "name another file with --csv", file=sys.stderr)
        return 2
    given = _given(args.gradebook, [s.student for s in submissions], args.assignment)
    if given is None:
        return 2
    outputs = Outputs(args.csv)
    try:
        records = grade_class(args.dirs, outputs, args.workers, force=args.force, given=given)
    except KeyboardInterrupt:
        print(f"interrupted: the submissions graded so far are in {outputs.records} and {args.csv}; "
              "run the same command again to grade the rest", file=sys.stderr)
        return 130
    except OutputsNotWritten as error:
        print(f"grade-batch stopped: {error.strerror}", file=sys.stderr)
        return 1
    try:
        write_class_report(list(records.values()), outputs)
    except OSError as error:
        print(f"grade-batch could not write {outputs.report} or {outputs.histogram} ({error}); every row is in "
              f"{args.csv}: free some space and run the same command again to write them", file=sys.stderr)
        return 1
    for record in records.values():
        failure = f"  ({record['failure']})" if record["failure"] else ""
        print(f"{points_text(total(record)):>5} / {points_text(total_max(record))}  {record['student']}{failure}")
    print(f"wrote {args.csv}, {outputs.report} and {outputs.histogram}")
    return 0


def bundle(args: argparse.Namespace) -> int:
    from autograder.assignment.bundles import build_gradescope_bundle, build_student_bundle

    print(f"wrote {build_student_bundle(args.out / 'vae-course-student.zip')}")
    print(f"wrote {build_gradescope_bundle(args.out / 'vae-course-gradescope.zip', args.torch_index_url)}")
    return 0


def build_index(args: argparse.Namespace) -> int:
    from autograder.assignment.build_index import write_index

    changed = write_index(args.notebook)
    print("\n".join(f"wrote {path}" for path in changed) or "the index was up to date")
    return 0


def record(args: argparse.Namespace) -> int:
    from autograder.hidden.recordings import write_recordings

    changed = write_recordings()
    print("\n".join(f"wrote {path}" for path in changed) or "the recorded values were up to date")
    return 0


def _gradebook_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--gradebook", type=Path, metavar="gradebook.db",
                         help="nbgrader's gradebook: the points given in Formgrader (written answers, parts whose "
                              "points a person set) count")
    command.add_argument("--assignment", default="vae", help="the assignment (and notebook) name in the gradebook")


def build_parser() -> argparse.ArgumentParser:
    """The command line's commands and options."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Grade vae-course submissions.")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one notebook (or a folder holding it)")
    one.add_argument("submission", type=Path)
    one.add_argument("--json", type=Path, help="write Gradescope results.json here")
    one.add_argument("--feedback", type=Path, help="write the student's feedback (Markdown) here")
    one.add_argument("--public-only", action="store_true", help="run only the public checks")
    _gradebook_options(one)
    one.add_argument("--student", help="the student's id in the gradebook (default: the folder after submitted/)")
    one.set_defaults(run=grade)
    many = commands.add_parser("grade-batch", help="grade every submission in the folders, in parallel; "
                               "a re-run grades only what is not graded yet")
    many.add_argument("dirs", nargs="+", type=Path)
    many.add_argument("--csv", type=Path, default=Path("autograder-grades.csv"),
                      help="also writes NAME.records.jsonl, NAME.report.md and NAME.histogram.png beside it; "
                      "never replaces a CSV it did not write, such as nbgrader export's grades.csv")
    _gradebook_options(many)
    many.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    many.add_argument("--force", action="store_true", help="grade again the submissions graded by an earlier run")
    many.set_defaults(run=grade_batch)
    release = commands.add_parser("bundle", help="build the student zip and the Gradescope autograder zip")
    release.add_argument("--out", type=Path, default=Path("dist"))
    release.add_argument("--torch-index-url", metavar="URL",
                         help="PyTorch's CPU wheel index: Gradescope's setup.sh installs CPU-only torch from it")
    release.set_defaults(run=bundle)
    index = commands.add_parser("build-index", help="copy the parts, points and hidden check names from the solution "
                                "notebook and the checks into autograder/assignment/index.py and README.md")
    index.add_argument("--notebook", type=Path, help="the solution notebook (default: solutions/vae/vae.ipynb)")
    index.set_defaults(run=build_index)
    recorder = commands.add_parser("record", help="compute what the public checks compare with, from the grader's own "
                                   "specification, into autograder/assignment/recorded/")
    recorder.set_defaults(run=record)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    skip_unused_imports()
    sys.stdout.reconfigure(errors="replace")  # a terminal that cannot show a character shows "?" instead of failing
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
