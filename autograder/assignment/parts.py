"""The assignment: its graded parts, their points, and the written answers a person grades.

The solution notebook's nbgrader metadata declares them, once (see "Adding a graded part" in
``autograder/README.md``): a part is a solution code cell whose ``grade_id`` is the name of the
function or class it defines, followed by its graded test cell ``test_<part>`` holding the part's
points; a written answer is a graded markdown solution cell. ``python -m autograder build-index``
copies what the grader needs at run time into ``index.py`` (it has no solution
notebook in a student's bundle or on Gradescope); a test fails when that copy is stale.

Standard library only: the student's notebook imports this through the self-check, on any OS.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

TEST_PREFIX = "test_"


@dataclass(frozen=True)
class Part:
    """A graded function or class: its name is its solution cell's ``grade_id``."""

    name: str
    points: float

    @property
    def test_cell_id(self) -> str:
        return TEST_PREFIX + self.name


@dataclass(frozen=True)
class WrittenAnswer:
    """A markdown answer graded by a person."""

    id: str
    points: float


@dataclass(frozen=True)
class Assignment:
    parts: tuple[Part, ...]
    written: tuple[WrittenAnswer, ...]
    hidden_checks: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)  # names and points only

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(part.name for part in self.parts)

    @property
    def written_ids(self) -> tuple[str, ...]:
        return tuple(answer.id for answer in self.written)

    @property
    def automatic_points(self) -> float:
        return sum(part.points for part in self.parts)

    @property
    def written_points(self) -> float:
        return sum(answer.points for answer in self.written)

    @property
    def total_points(self) -> float:
        return self.automatic_points + self.written_points

    @property
    def hidden_points(self) -> float:
        return sum(points for checks in self.hidden_checks.values() for _, points in checks)

    def part(self, name: str) -> Part:
        for part in self.parts:
            if part.name == name:
                return part
        raise ValueError(f"unknown part {name!r}; the parts are {', '.join(self.part_names)}")


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def read_assignment(notebook: dict[str, Any]) -> Assignment:
    """The parts and written answers a solution notebook declares (a trusted notebook: no repair here).

    Raises ``ValueError`` for a test cell that breaks the naming rules, so a mistake shows when
    the index is built, not when a student's notebook is graded.
    """
    parts, written, solutions = [], [], set()
    for cell in notebook.get("cells", []):
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id", "")
        if cell.get("cell_type") == "markdown" and meta.get("grade") and meta.get("solution"):
            written.append(WrittenAnswer(grade_id, meta["points"]))
        elif cell.get("cell_type") == "code" and meta.get("solution") and not meta.get("grade"):
            solutions.add(grade_id)
        elif cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
            part = grade_id.removeprefix(TEST_PREFIX)
            if not grade_id.startswith(TEST_PREFIX) or part not in solutions:
                raise ValueError(f"graded test cell {grade_id!r} must be named {TEST_PREFIX}<part> and follow the "
                                 "solution cell whose grade_id is <part>, the name it defines")
            parts.append(Part(part, meta["points"]))
    return Assignment(tuple(parts), tuple(written))


@cache
def the_assignment() -> Assignment:
    """The assignment as the grader knows it at run time: the generated index."""
    from autograder.assignment.index import HIDDEN_CHECKS, PARTS, WRITTEN_ANSWERS

    return Assignment(tuple(Part(*p) for p in PARTS), tuple(WrittenAnswer(*w) for w in WRITTEN_ANSWERS),
                      HIDDEN_CHECKS)


def self_check_cell(part: Part) -> str:
    """What every part's test cell holds: the self-check, with the part's points from its metadata."""
    return (f"# Self-check of `{part.name}` ({part.points:g} points): run this cell to test your code against the "
            "public checks.\n# When your notebook is graded, this cell gets the points of all checks, public and "
            f"hidden.\nself_check(\"{part.name}\", globals())")
