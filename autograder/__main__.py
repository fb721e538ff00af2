"""Command line: ``python -m autograder {grade,grade-batch,bundle}``."""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from autograder.grading import GradeReport, grade_submission
from autograder.report import feedback_markdown, gradescope_results, summary_table


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def grade(args: argparse.Namespace) -> int:
    report = grade_submission(args.submission, include_hidden=not args.public_only)
    if args.json:
        _write(args.json, json.dumps(gradescope_results(report), indent=2) + "\n")
    if args.feedback:
        _write(args.feedback, feedback_markdown(report))
    print(summary_table(report))
    return 0


def _grade_for_batch(path: str) -> GradeReport:
    return grade_submission(path)


def grade_batch(args: argparse.Namespace) -> int:
    submissions = sorted(str(p) for d in args.dirs for p in Path(d).iterdir()
                         if p.suffix == ".ipynb" or p.is_dir())
    if not submissions:
        print("no submissions found (expected .ipynb files or one folder per student)", file=sys.stderr)
        return 2
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        reports = list(pool.map(_grade_for_batch, submissions))
    check_ids = [r.id for r in reports[0].results]
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with args.csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "score", "max_score", *check_ids])
        for report in reports:
            scores = {r.id: r.score for r in report.results}
            writer.writerow([report.submission, report.score, report.max_score, *(scores[i] for i in check_ids)])
    for report in reports:
        print(f"{report.score:>5g} / {report.max_score:g}  {report.submission}")
    print(f"wrote {args.csv}")
    return 0


def bundle(args: argparse.Namespace) -> int:
    from autograder.bundles import build_gradescope_bundle, build_student_bundle

    print(f"wrote {build_student_bundle(args.out / 'vae-course-student.zip')}")
    print(f"wrote {build_gradescope_bundle(args.out / 'vae-course-gradescope.zip', args.torch_index_url)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Grade vae-course submissions.")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one notebook (or a folder holding it)")
    one.add_argument("submission", type=Path)
    one.add_argument("--json", type=Path, help="write Gradescope results.json here")
    one.add_argument("--feedback", type=Path, help="write the student's feedback (Markdown) here")
    one.add_argument("--public-only", action="store_true", help="run only the public checks")
    one.set_defaults(run=grade)
    many = commands.add_parser("grade-batch", help="grade every submission in the folders, in parallel")
    many.add_argument("dirs", nargs="+", type=Path)
    many.add_argument("--csv", type=Path, default=Path("grades.csv"))
    many.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    many.set_defaults(run=grade_batch)
    release = commands.add_parser("bundle", help="build the student zip and the Gradescope autograder zip")
    release.add_argument("--out", type=Path, default=Path("dist"))
    release.add_argument("--torch-index-url", metavar="URL",
                         help="PyTorch's CPU wheel index: Gradescope's setup.sh installs CPU-only torch from it")
    release.set_defaults(run=bundle)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
