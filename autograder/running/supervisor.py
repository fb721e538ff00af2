"""Grade in a child process, so that a grader killed or crashed by a submission still reports.

The sandbox keeps student code out of the grader's process, but a submission can still take
that process down from outside (a signal sent by the kernel on its behalf, the kernel's
out-of-memory killer) or through a grader bug. So the commands grade in a child, ``python -m
autograder.running.supervisor``, which streams the list of checks before any student code runs and
each result as soon as it is known, as JSON lines (``stream``). This parent never reads the notebook nor runs
or imports student code: whatever happens to the child, it assembles a complete report from
what arrived, with 0 points and a message saying what happened for every check that did not.
The child also caps its own memory, so a runaway allocation in the grader is an error there.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.running.children import (PACKAGE_ROOT, adopt_orphans, cap_memory, end_grading_child,
                                         skip_unused_imports, start_grading_child)
from autograder.running.stream import GRADING_SECONDS, assemble, stream_grading

if TYPE_CHECKING:
    from autograder.running.grading import GradeReport


def grade_supervised(submission: str | Path, include_hidden: bool = True, seconds: float = GRADING_SECONDS,
                     on_start: Callable[[subprocess.Popen], None] | None = None) -> tuple[GradeReport, str | None, str]:
    """Grade in a child process: the report (always complete), how the child failed (``None`` if
    it did not) and its log (stderr, for the instructor).

    ``on_start`` hears the child as soon as it runs (grade-batch kills the running ones on Ctrl-C).
    """
    command = [sys.executable, "-m", "autograder.running.supervisor", str(submission)]
    command += [] if include_hidden else ["--public-only"]
    from autograder.sandbox.process import _remove, grading_folder

    started = time.monotonic()
    adopt_orphans()
    folder = grading_folder()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        path = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))
        child = start_grading_child(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                    env={**os.environ, "PYTHONPATH": path, "TMPDIR": str(folder)}, text=True,
                                    encoding="utf-8", errors="replace")
        if on_start is not None:
            on_start(child)
        import autograder.running.grading  # noqa: F401 (for ``assemble``: imported while the child starts, not after it)
        timed_out = False
        try:
            output, _ = child.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            child.kill()
            output, _ = child.communicate()
        except BaseException:  # Ctrl-C: the child and its worker go too
            child.kill()
            child.wait()
            raise
        finally:
            end_grading_child(child)
            _remove(folder)  # what the child left: everything, if it was killed
        log.seek(0)
        log_text = log.read()
    report, failure = assemble(str(submission), output.splitlines(), child.returncode, timed_out, log_text,
                               include_hidden, time.monotonic() - started)
    return report, failure, log_text


def child_main(argv: list[str] | None = None) -> int:
    """The child: grade, streaming the plan and each result to the parent as JSON lines on stdout."""
    parser = argparse.ArgumentParser(prog="python -m autograder.running.supervisor")
    parser.add_argument("submission")
    parser.add_argument("--public-only", action="store_true")
    args = parser.parse_args(argv)
    skip_unused_imports()
    cap_memory()
    # Ctrl-C reaches the whole terminal's process group: the parent decides (it kills this child), so that an
    # interrupted grading is never mistaken for a finished one. A handler, not SIG_IGN: the worker must not inherit it.
    signal.signal(signal.SIGINT, lambda *_: None)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed goes to the log, not into the answers
    stream_grading(args.submission, not args.public_only, answers)
    return 0


if __name__ == "__main__":
    raise SystemExit(child_main())
