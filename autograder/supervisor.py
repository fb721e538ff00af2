"""Grade in a child process, so that a grader killed or crashed by a submission still reports.

The sandbox keeps student code out of the grader's process, but a submission can still take
that process down from outside (a signal sent by the kernel on its behalf, the kernel's
out-of-memory killer) or through a grader bug. So the commands grade in a child, ``python -m
autograder.supervisor``, which streams the list of checks before any student code runs and
each result as soon as it is known, as JSON lines. This parent never reads the notebook nor runs
or imports student code: whatever happens to the child, it assembles a complete report from
what arrived, with 0 points and a message saying what happened for every check that did not.
The child also caps its own memory, so a runaway allocation in the grader is an error there.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any


from autograder.sandbox.zygote import kill_and_reap
from autograder.text import readable

if TYPE_CHECKING:  # the grading modules import nbformat and the checks: the parent imports them once its child runs
    from autograder.grading import CheckResult, GradeReport
    from autograder.sandbox.process import Zygote

GRADER_MEMORY_BYTES = 8 << 30  # address space; grading the reference peaks at 3.7 GB of it (0.9 GB resident)
GRADING_SECONDS = 600.0  # the child's own budget is 300 s of checks plus loading; past this it has hung
LOG_CHARS = 300
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # what the child needs on its path to import the grader
PR_SET_CHILD_SUBREAPER = 36
_children_lock = threading.Lock()  # grading children are started and orphans reaped one at a time
_grading_children: set[int] = set()


def _how_it_ended(returncode: int | None, timed_out: bool, log: str) -> str:
    """The child's end, in words for the student and the instructor."""
    if timed_out:
        return f"did not finish within {GRADING_SECONDS:.0f} s and was stopped"
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    last = next((line for line in reversed(log.strip().splitlines()) if line.strip()), "")
    cause = f" ({last.strip()[:LOG_CHARS]})" if last else ""
    return f"stopped with exit code {returncode}{cause}"


def skip_unused_imports() -> None:
    """Keep ``jsonschema`` (which nbformat imports) from importing ``rfc3987_syntax``.

    That package builds a grammar at import, about 1.8 s of CPU in every grading process, only to
    check the ``iri`` format, which nbformat's schemas never use. Call it before anything imports nbformat.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: an ImportError, which jsonschema expects


def _result(data: dict[str, Any]) -> CheckResult:
    from autograder.grading import CheckResult

    fields = {f.name for f in dataclasses.fields(CheckResult)}
    return CheckResult(**{key: value for key, value in data.items() if key in fields})


def _plan_result(check: dict[str, Any], message: str) -> CheckResult:
    from autograder.grading import CheckResult

    return CheckResult(check["id"], check["task"], check["question"], check["points"], 0.0, check["hidden"], message)


def _planned_checks(include_hidden: bool) -> list[dict[str, Any]]:
    """The checks, loaded here only when the child died before it could list them (no student code runs here)."""
    from autograder.checks import load_checks

    return [{"id": c.id, "task": c.task, "question": c.question, "points": c.points, "hidden": c.hidden}
            for c in load_checks(include_hidden)]


def assemble(submission: str, lines: list[str], returncode: int | None, timed_out: bool, log: str,
             include_hidden: bool, seconds: float) -> tuple[GradeReport, str | None]:
    """The child's report, or one made from what it sent before it died (nothing lost, nothing made
    up), and how the child failed (``None`` when it finished)."""
    from autograder.grading import GradeReport

    plan, results, final = None, {}, None
    for line in lines:
        try:
            message = json.loads(line)
        except ValueError:
            continue  # the last line of a child killed while writing it
        if "plan" in message:
            plan = message["plan"]
        elif "result" in message:
            results[message["result"]["id"]] = _result(message["result"])
        elif "report" in message:
            final = message["report"]
    if final is not None:  # complete, even if the child died afterwards, while closing its worker
        report = GradeReport(**{**final, "results": [_result(r) for r in final["results"]]})
        report.submission = readable(report.submission)
        return report, None
    how = _how_it_ended(returncode, timed_out, log)
    message = f"Not graded: the grader's process {how} before this check ran, so it earns no points."
    report = GradeReport(submission=readable(submission), seconds=seconds)
    report.notes.append(f"Grading did not finish: the grader's process {how}. "
                        f"{len(results)} checks were graded before that; the others get 0 points.")
    for check in plan if plan is not None else _planned_checks(include_hidden):
        report.results.append(results.get(check["id"]) or _plan_result(check, message))
    return report, f"the grader's process {how}"


def adopt_orphans() -> None:
    """Become a child subreaper (Linux): a worker whose grader was killed is then reparented here, not to init."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _orphaned_workers() -> list[int]:
    """This process's children that are worker zygotes or their workers (which carry the zygote's command
    line) but not grading children: what a dead child left, reparented here. Read from /proc (Linux, where
    the subreaper exists)."""
    found = []
    for entry in Path("/proc").iterdir() if sys.platform.startswith("linux") else ():
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # not a process, or one that just ended
        zygote = b"autograder.sandbox.zygote" in command
        if parent == os.getpid() and zygote and int(entry.name) not in _grading_children:
            found.append(int(entry.name))
    return found


def reap_orphans() -> None:
    """Kill the zygote and workers a dead grading child left behind (each leads a session of its own and
    was reparented here); nothing else of this process's children is touched (nbgrader's kernels)."""
    with _children_lock:
        while orphans := _orphaned_workers():  # a zygote killed here leaves its workers to this process
            kill_and_reap(orphans[0])


def grade_supervised(submission: str | Path, include_hidden: bool = True, seconds: float = GRADING_SECONDS,
                     on_start: Callable[[subprocess.Popen], None] | None = None) -> tuple[GradeReport, str | None, str]:
    """Grade in a child process: the report (always complete), how the child failed (``None`` if
    it did not) and its log (stderr, for the instructor).

    ``on_start`` hears the child as soon as it runs (grade-batch kills the running ones on Ctrl-C).
    """
    command = [sys.executable, "-m", "autograder.supervisor", str(submission)]
    command += [] if include_hidden else ["--public-only"]
    from autograder.sandbox.process import _remove, grading_folder

    started = time.monotonic()
    adopt_orphans()
    folder = grading_folder()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        path = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))
        with _children_lock:
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                     env={**os.environ, "PYTHONPATH": path, "TMPDIR": str(folder)}, text=True,
                                     encoding="utf-8", errors="replace")
            _grading_children.add(child.pid)
        if on_start is not None:
            on_start(child)
        import autograder.grading  # noqa: F401 (for ``assemble``: imported while the child starts, not after it)
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
            with _children_lock:
                _grading_children.discard(child.pid)
            reap_orphans()
            _remove(folder)  # what the child left: everything, if it was killed
        log.seek(0)
        log_text = log.read()
    report, failure = assemble(str(submission), output.splitlines(), child.returncode, timed_out, log_text,
                               include_hidden, time.monotonic() - started)
    return report, failure, log_text


def cap_memory() -> None:
    """A soft address-space limit, so the sandbox can still set the worker's own (lower or higher) limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = GRADER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(GRADER_MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def stream_grading(submission: str, include_hidden: bool, answers: IO[str], zygote: Zygote | None = None) -> None:
    """Grade, writing the plan, each result and the report to ``answers`` as JSON lines as they are known.

    Without a ``zygote`` (a lane's), one is started first of all, so that it imports torch while this
    process imports the grading modules and the checks.
    """
    from autograder.sandbox.process import Zygote

    with contextlib.ExitStack() as stack:
        zygote = zygote or stack.enter_context(Zygote())
        from autograder.grading import grade_submission

        def send(message: dict[str, Any]) -> None:
            answers.write(json.dumps(message) + "\n")
            answers.flush()

        def plan(checks: list) -> None:
            send({"plan": [{"id": c.id, "task": c.task, "question": c.question, "points": c.points,
                            "hidden": c.hidden} for c in checks]})

        report = grade_submission(submission, include_hidden=include_hidden, on_plan=plan,
                                  on_result=lambda result: send({"result": dataclasses.asdict(result)}), zygote=zygote)
        send({"report": dataclasses.asdict(report)})


def child_main(argv: list[str] | None = None) -> int:
    """The child: grade, streaming the plan and each result to the parent as JSON lines on stdout."""
    parser = argparse.ArgumentParser(prog="python -m autograder.supervisor")
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
