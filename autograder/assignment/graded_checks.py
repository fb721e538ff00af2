"""The checks this assignment grades with, in the order of its parts.

The registry (``framework.registry``) knows checks; only the assignment knows which parts exist and
in which order the notebook asks for them, so the ordering and the check that every check belongs to
a declared part live here, above both.
"""
from __future__ import annotations

from autograder.assignment.parts import the_assignment
from autograder.framework.registry import Check, registered_checks


def load_checks(include_hidden: bool = True) -> list[Check]:
    """The checks to run, public first then hidden, each group in the notebook's order of parts."""
    parts = the_assignment().part_names
    chosen = registered_checks(include_hidden)
    for c in chosen:
        if c.part not in parts:
            raise ValueError(f"check {c.id!r} is of {c.part!r}, which is not a part of the assignment: declare the part "
                             "in the solution notebook and run `python -m autograder build-index`")
    return sorted(chosen, key=lambda c: (c.hidden, parts.index(c.part)))
