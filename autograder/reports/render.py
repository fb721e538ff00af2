"""How one part's results read, wherever a student or an instructor sees them.

The terminal table, the Markdown feedback, nbgrader's test-cell output and the notebook
self-check all show a check as the same line, so a student who compares them sees one grader.
Standard library only: the self-check imports this in the student's kernel, on any OS.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from autograder.framework.text import markdown_text

if TYPE_CHECKING:
    from autograder.framework.results import CheckResult


def points(value: float) -> str:
    """Points as people write them: 2, 0.5, never 2.0."""
    return f"{value:g}"


def counted(value: float, word: str) -> str:
    """A number with its word in the right number: ``1 point``, ``0.5 points``, ``2 checks``."""
    return f"{points(value)} {word if value == 1 else word + 's'}"


def mark(result: CheckResult) -> str:
    return "PASS" if result.passed else "FAIL"


def score_of(results: Sequence[CheckResult]) -> str:
    """``score/points`` of some results."""
    return f"{points(sum(r.score for r in results))}/{points(sum(r.points for r in results))}"


def part_lines(results: Sequence[CheckResult], *, markdown: bool = False, show_hidden: bool = False,
               hidden_score: bool = True) -> list[str]:
    """One line per check of a part (its id, as the table names it, points and question), with what to fix
    under each failure; hidden checks only as a count.

    In Markdown a message (which may hold a submission's text) is shown as text, never as HTML or a link.
    ``hidden_score`` adds the hidden checks' score (nbgrader shows it); the Markdown feedback
    leaves it out, since a hidden result is published only with the grades.
    """
    lines = []
    for result in results:
        if result.hidden and not show_hidden:
            continue
        if markdown:
            lines.append(f"- **{mark(result)}** `{result.id}` ({score_of([result])}): {result.question}")
        else:
            lines.append(f"{mark(result)} {result.id} ({score_of([result])}): {result.question}")
        if not result.passed:
            lines.append(f"  - {markdown_text(result.message)}" if markdown else f"     {result.message}")
    hidden = [r for r in results if r.hidden]
    if hidden and not show_hidden and hidden_score:
        lines.append(f"Hidden checks: {score_of(hidden)} points from {len(hidden)} checks.")
    return lines
