"""Reports of a grading: Gradescope's results.json, a Markdown feedback file, a summary table."""
from __future__ import annotations

import textwrap
from typing import Any

from autograder.assignment.parts import the_assignment
from autograder.running.grading import GradeReport
from autograder.reports.render import counted, part_lines, points
from autograder.framework.text import markdown_text, readable

HIDDEN_NOTE = "Hidden check: its result is shown once grades are published."
NOT_GRADED = "not graded yet"


def json_points(value: float) -> int | float:
    """Points written one way in JSON, as in the batch CSV: ``63``, ``17``, ``27.5`` (never ``17.0``)."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def written_state(report: GradeReport, answer: str) -> str:
    """What became of a written answer: graded (its points), no answer (0), or answered and not graded yet."""
    if answer in report.written:
        return "graded"
    return "answered, " + NOT_GRADED if report.theory.get(answer) else "no answer"


def written_lines(report: GradeReport) -> list[tuple[str, str, float, float]]:
    """Each written answer: its id, its state, its points so far (0 until graded) and its maximum."""
    return [(w.id, written_state(report, w.id), report.written.get(w.id, 0.0), w.points)
            for w in the_assignment().written]


def written_summary(states: list[str]) -> str:
    """The written answers' row in one phrase: how many wait for a person, how many are missing, else graded."""
    waiting = sum(NOT_GRADED in state for state in states)
    missing = states.count("no answer")
    parts = ([f"{waiting} answered, {NOT_GRADED}"] if waiting else []) + ([f"{missing} not answered"] if missing else [])
    return "; ".join(parts) or "graded"


def override_lines(report: GradeReport) -> list[str]:
    """Each part whose points a person set in Formgrader: what counts, and what its checks gave."""
    return [f"{part}: {points(given)}/{points(report.part_points(part))} points, set "
            f"by a person in Formgrader (the checks gave {points(report.checks_score(part))})"
            for part, given in report.overrides.items()]


def gradescope_results(report: GradeReport) -> dict[str, Any]:
    """The Gradescope autograder format: hidden checks count in the score but show only after publishing.

    The written answers count in ``max_score``, as in nbgrader's gradebook: each has the points a person
    gave it (``report.written``, from the gradebook), else 0 and says it is not graded yet. A part whose points
    a person set counts those in ``score``; its checks keep theirs, and ``output`` says so.
    """
    hidden = [r for r in report.results if r.hidden]
    tests = [{"name": readable(f"{r.id}: {r.question}"), "score": json_points(r.score),
              "max_score": json_points(r.points), "output": readable(r.message),
              "visibility": "after_published" if r.hidden else "visible",
              "status": "passed" if r.passed else "failed"} for r in report.results]
    tests += [{"name": f"theory.{gid}: written answer (graded by a person)", "score": json_points(score),
               "max_score": json_points(top), "output": f"{state.capitalize()}: {points(score)}/{points(top)} points"
               + (" until a person grades it." if NOT_GRADED in state else "."), "visibility": "visible"}
              for gid, state, score, top in written_lines(report)]
    lines = [*report.notes, *override_lines(report)]
    if hidden:
        worth = counted(sum(r.points for r in hidden), "point")
        lines.append(f"{counted(len(hidden), 'hidden check')} worth {worth} count in the score; "
                     "their details are shown once grades are published.")
    return {"score": json_points(report.total_score), "max_score": json_points(report.total_max),
            "output": readable("\n".join(lines)),
            "visibility": "visible", "stdout_visibility": "hidden", "execution_time": round(report.seconds, 1),
            "tests": tests}


def feedback_markdown(report: GradeReport, show_hidden: bool = False) -> str:
    """Feedback a student can act on; hidden checks appear only as a count unless ``show_hidden``."""
    lines = [f"# Feedback for {markdown_text(report.submission)}", ""]
    visible = [r for r in report.results if show_hidden or not r.hidden]
    hidden = [r for r in report.results if r.hidden and not show_hidden]
    visible_points = sum(r.points for r in visible)
    lines.append(f"**Checks shown here: {points(sum(r.score for r in visible))} / {points(visible_points)} points.**")
    if hidden:
        worth = counted(sum(r.points for r in hidden), "point")
        lines.append(f"A further {counted(len(hidden), 'hidden check')} worth {worth} test the same parts "
                     "more thoroughly and are reported when grades are published.")
    lines += [f"- Note: {markdown_text(note)}" for note in report.notes]
    for part in dict.fromkeys(r.part for r in visible):
        results = [r for r in report.results if r.part == part]
        lines += ["", f"## `{part}`", "", *part_lines(results, markdown=True, show_hidden=show_hidden, hidden_score=False)]
        if part in report.overrides:
            lines.append(f"- Points set by a person: {points(report.overrides[part])}/"
                         f"{points(report.part_points(part))}, instead of the checks'.")
    if report.theory:
        lines += ["", "## Theory and discussion (graded by a person)", ""]
        lines += [f"- `{gid}`: {state} ({points(score)}/{points(top)})"
                  for gid, state, score, top in written_lines(report)]
    return readable("\n".join(lines)) + "\n"


def summary_table(report: GradeReport, width: int = 100) -> str:
    """One row per check, for the terminal; a failure's message wraps under it, never cut, so what to fix shows."""
    id_width = max(len(r.id) for r in report.results) if report.results else 10
    indent = " " * (id_width + 11)
    rows = [f"{'check':<{id_width}}  {'points':>7}  result"]
    for r in report.results:
        row = f"{r.id:<{id_width}}  {points(r.score):>3}/{points(r.points):<3}  "
        if r.passed:
            rows.append(row + "ok")
            continue
        text = ("(hidden) " if r.hidden else "") + " ".join(r.message.split())
        lines = textwrap.wrap(text, max(40, width - len(indent))) or [""]
        rows.append(row + lines[0])
        rows += [indent + line for line in lines[1:]]
    for part, given in report.overrides.items():
        rows.append(f"{part:<{id_width}}  {points(given):>3}/{points(report.part_points(part)):<3}  set by a person in Formgrader, instead "
                    f"of the checks' {points(report.checks_score(part))}")
    states = [state for _, state, _, _ in written_lines(report)]
    written = f"{points(sum(report.written.values())):>3}/{points(report.total_max - report.max_score):<3}"
    rows.append(f"{'written':<{id_width}}  {written}  " + written_summary(states))
    total = f"{points(report.total_score):>3}/{points(report.total_max):<3}"
    rows.append(f"{'total':<{id_width}}  {total}  in {report.seconds:.1f} s")
    return readable("\n".join(rows))
