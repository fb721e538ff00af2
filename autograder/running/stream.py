"""A grading as JSON lines: what a grading child sends, and the report its parent assembles from them.

The child (``stream_grading``) sends the plan (every check it will run) before any student code
runs, each result as soon as it is known, then the report. The parent (``assemble``) never reads
the notebook nor runs student code: from whatever arrived, whether the child finished, was killed
or hung, it makes a complete report, 0 points and the reason for every check that did not report.
Shared by ``supervisor`` (one child per grading) and ``lane`` (``grade-batch``'s forked children).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import signal
from typing import IO, TYPE_CHECKING, Any

from autograder.framework.text import readable

if TYPE_CHECKING:  # the grading modules import nbformat and the checks: a parent imports them once its child runs
    from autograder.running.grading import CheckResult, GradeReport
    from autograder.sandbox.process import Zygote

GRADING_SECONDS = 600.0  # the child's own budget is 300 s of checks plus loading; past this it has hung
LOG_CHARS = 300


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


def _result(data: dict[str, Any]) -> CheckResult:
    from autograder.running.grading import CheckResult

    fields = {f.name for f in dataclasses.fields(CheckResult)}
    return CheckResult(**{key: value for key, value in data.items() if key in fields})


def _plan_result(check: dict[str, Any], message: str) -> CheckResult:
    from autograder.running.grading import CheckResult

    return CheckResult(check["id"], check["part"], check["question"], check["points"], 0.0, check["hidden"], message)


def _planned_checks(include_hidden: bool) -> list[dict[str, Any]]:
    """The checks, loaded here only when the child died before it could list them (no student code runs here)."""
    from autograder.assignment.graded_checks import load_checks

    return [{"id": c.id, "part": c.part, "question": c.question, "points": c.points, "hidden": c.hidden}
            for c in load_checks(include_hidden)]


def assemble(submission: str, lines: list[str], returncode: int | None, timed_out: bool, log: str,
             include_hidden: bool, seconds: float) -> tuple[GradeReport, str | None]:
    """The child's report, or one made from what it sent before it died (nothing lost, nothing made
    up), and how the child failed (``None`` when it finished)."""
    from autograder.running.grading import GradeReport

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


def stream_grading(submission: str, include_hidden: bool, answers: IO[str], zygote: Zygote | None = None) -> None:
    """Grade, writing the plan, each result and the report to ``answers`` as JSON lines as they are known.

    Without a ``zygote`` (a lane's), one is started first of all, so that it imports torch while this
    process imports the grading modules and the checks.
    """
    from autograder.sandbox.process import Zygote

    with contextlib.ExitStack() as stack:
        zygote = zygote or stack.enter_context(Zygote())
        from autograder.running.grading import grade_submission

        def send(message: dict[str, Any]) -> None:
            answers.write(json.dumps(message) + "\n")
            answers.flush()

        def plan(checks: list) -> None:
            send({"plan": [{"id": c.id, "part": c.part, "question": c.question, "points": c.points,
                            "hidden": c.hidden} for c in checks]})

        report = grade_submission(submission, include_hidden=include_hidden, on_plan=plan,
                                  on_result=lambda result: send({"result": dataclasses.asdict(result)}), zygote=zygote)
        send({"report": dataclasses.asdict(report)})
