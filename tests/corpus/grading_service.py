"""A grader process for the corpus: grades submissions one after another, as a batch grader would.

The corpus test runs graders in processes of their own rather than calling ``grade_submission``
itself, so that a submission which harms the grader's process (kills it, exhausts it) shows up as
a failed grader, not as a dead test run; one process grades many submissions, so each grading
also shows that the earlier ones left the grader working. Requests arrive as JSON lines on
stdin: the notebook, where results.json goes, the time limit per check, and a folder that
becomes the grader's temporary folder (so the test can see that the worker's folders are gone).
Each answer is one JSON line. The process is a child subreaper: any process a submission left
behind, even one that started a new session, becomes its child, and is listed, then killed.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

from autograder.running.grading import grade_submission
from autograder.reports.report import gradescope_results

PR_SET_CHILD_SUBREAPER = 36


def leftovers() -> list[str]:
    """Processes still running after a grading, killed once they are listed."""
    time.sleep(0.3)  # for anything a submission started to show itself
    children = psutil.Process().children(recursive=True)
    found = []
    for child in children:
        try:
            found.append(f"{child.pid} {' '.join(child.cmdline())[:160]}")
            child.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(children, timeout=5)
    return found


def grade(request: dict) -> dict:
    tempfile.tempdir = request["tmp"]
    started = time.monotonic()
    report = grade_submission(request["notebook"], check_seconds=request["check_seconds"])
    seconds = time.monotonic() - started
    results = gradescope_results(report)
    Path(request["results"]).write_text(json.dumps(results, indent=2) + "\n")
    checks = [{"id": r.id, "part": r.part, "score": r.score, "points": r.points, "seconds": r.seconds}
              for r in report.results]
    return {"results": results, "checks": checks, "seconds": seconds, "leftovers": leftovers()}


def main() -> None:
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever else prints goes to stderr, not into the answers
    for line in sys.stdin:
        answers.write(json.dumps(grade(json.loads(line))) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
