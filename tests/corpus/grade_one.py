"""Grade one corpus submission in a process of its own, as the command line would.

The corpus test runs this rather than calling ``grade_submission`` itself, so that a submission
which harms the grader's process (kills it, exhausts it) shows up as a failed grader, not as a
dead test run. It writes ``results.json`` where the real grader would and prints what the test
compares it with. ``--tmp`` becomes the grader's temporary folder, so the test can see that the
worker's folders are gone afterwards.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from autograder.grading import grade_submission
from autograder.report import gradescope_results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--check-seconds", type=float, required=True)
    parser.add_argument("--tmp", type=Path, required=True)
    args = parser.parse_args()
    tempfile.tempdir = str(args.tmp)
    report = grade_submission(args.notebook, check_seconds=args.check_seconds)
    results = gradescope_results(report)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    checks = [{"id": r.id, "task": r.task, "score": r.score, "points": r.points, "seconds": r.seconds}
              for r in report.results]
    print(json.dumps({"results": results, "checks": checks, "seconds": report.seconds}))


if __name__ == "__main__":
    main()
