"""Submissions made by editing one cell of the reference solution, for tests of the checks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from vae_course.notebook_code import load_definitions

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / "solutions" / "vae" / "vae.ipynb"
STUDENT = REPO_ROOT / "course" / "vae" / "vae.ipynb"


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` in the cell ``grade_id`` of the reference solution."""

    grade_id: str
    old: str
    new: str


def cell_source(grade_id: str) -> str:
    notebook = nbformat.read(REFERENCE, as_version=4)
    return next(c.source for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def edited_notebook(*edits: Edit) -> nbformat.NotebookNode:
    """The reference notebook with the edits applied (each ``old`` must occur in its cell)."""
    notebook = nbformat.read(REFERENCE, as_version=4)
    for edit in edits:
        cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == edit.grade_id)
        assert edit.old in cell.source, f"{edit.old!r} is not in cell {edit.grade_id}"
        cell.source = cell.source.replace(edit.old, edit.new)
    return notebook


def edited_definitions(tmp_path: Path, *edits: Edit) -> dict[str, object]:
    """The definitions of the edited reference notebook, loaded in this process (trusted code)."""
    path = tmp_path / "variant.ipynb"
    nbformat.write(edited_notebook(*edits), path)
    return load_definitions(path)


def whole_cell(grade_id: str, new_source: str) -> Edit:
    """Replace a whole cell of the reference solution."""
    return Edit(grade_id, cell_source(grade_id), new_source)
