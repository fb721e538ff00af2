"""Is the assignment declared once, in the solution notebook, and does everything else follow it?"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

from autograder.assignment.parts import Part, read_assignment, self_check_cell, the_assignment
from autograder.assignment.build_index import SOLUTION, assignment_of, stale_files
from variants import REPO_ROOT

NEW_PART = "beta_vae_loss"
NEW_SOLUTION = '''def beta_vae_loss(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                  beta: float = 4.0) -> torch.Tensor:
    """The VAE loss with its KL term weighted by beta."""
    ### BEGIN SOLUTION
    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    return bce + beta * -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    ### END SOLUTION'''
PUBLIC_CHECK = '''"""Public checks of beta_vae_loss."""
from autograder.framework.registry import check


@check("beta_vae_loss.defined", part="beta_vae_loss", points=2, feedback="Define beta_vae_loss.")
def defined(student):
    """Is beta_vae_loss defined? (what a check asks does not matter here: the grader runs it only if it is)"""
'''
HIDDEN_CHECK = PUBLIC_CHECK.replace("Public", "Hidden").replace(".defined", ".hidden_defined").replace("points=2", "points=1")


def test_the_index_is_what_the_solution_notebook_and_the_checks_say():
    """Are autograder/assignment/index.py and the README's points table current? (`python -m autograder build-index`)"""
    assert stale_files() == [], "run `bash run.sh python -m autograder build-index`"


def test_the_index_refuses_points_that_the_checks_do_not_add_up_to(tmp_path):
    """Does build-index stop, naming the part, when a test cell's points and its checks' points differ?"""
    notebook = nbformat.read(SOLUTION, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_vae_loss")
    cell.metadata.nbgrader.points = 10
    cell.source = self_check_cell(Part("vae_loss", 10))
    nbformat.write(notebook, tmp_path / "vae.ipynb")
    with pytest.raises(ValueError, match="the checks of 'vae_loss' add up to 9 points, its test cell 'test_vae_loss' says 10"):
        assignment_of(tmp_path / "vae.ipynb")


def test_a_test_cell_must_follow_its_solution_cell():
    """Is a test cell with no solution cell of its part's name refused?"""
    notebook = {"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "test_x", "points": 1}}}]}
    with pytest.raises(ValueError, match="test_<part>"):
        read_assignment(notebook)


def _add_part(notebook: nbformat.NotebookNode, points: float) -> None:
    """The new part's two cells, as an author writes them, after the last graded part."""
    def cell(grade_id: str, source: str, **nbgrader: object) -> nbformat.NotebookNode:
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
            "grade_id": grade_id, "schema_version": 3, "task": False, **nbgrader}})

    last = max(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_"))
    notebook.cells[last + 1:last + 1] = [
        cell(NEW_PART, NEW_SOLUTION, grade=False, locked=False, solution=True),
        cell(f"test_{NEW_PART}", self_check_cell(Part(NEW_PART, points)), grade=True, locked=True, solution=False,
             points=points)]


def test_a_new_part_needs_only_its_notebook_cells_and_its_checks(tmp_path):
    """In a copy of the assignment with one more part, do the grader's totals, the self-check and nbgrader's points follow?

    The copy gets only what "Adding a graded part" asks for: the notebook's two cells, a public
    and a hidden checks module; then `build-index`. Nothing is trained and nothing graded in a sandbox.
    """
    shutil.copytree(REPO_ROOT / "autograder", tmp_path / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    notebook_path = tmp_path / "solutions" / "vae" / "vae.ipynb"
    notebook_path.parent.mkdir(parents=True)
    notebook = nbformat.read(SOLUTION, as_version=4)
    _add_part(notebook, 3)
    nbformat.write(notebook, notebook_path)
    (tmp_path / "autograder" / "checks" / f"{NEW_PART}.py").write_text(PUBLIC_CHECK)
    (tmp_path / "autograder" / "hidden" / f"{NEW_PART}.py").write_text(HIDDEN_CHECK)
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO_ROOT}"}
    built = subprocess.run([sys.executable, "-m", "autograder", "build-index"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    assert sorted(built.stdout.split()) == sorted(["wrote", str(tmp_path / "autograder" / "assignment" / "index.py"),
                                                   "wrote", str(tmp_path / "autograder" / "README.md")])

    script = textwrap.dedent(f'''
        import json
        import autograder
        from autograder.assignment.parts import the_assignment
        from autograder.running.grading import grade_submission
        from autograder.reports.nbgrader_grades import autograded_cells
        from autograder.self_check import self_check
        from vae_course.notebook_code import load_definitions, read_notebook

        assert autograder.__file__.startswith({str(tmp_path)!r})
        report = grade_submission({str(tmp_path / "missing.ipynb")!r})  # unreadable: every check listed, none run
        self_check({NEW_PART!r}, load_definitions({str(notebook_path)!r}))
        cells = read_notebook({str(notebook_path)!r}).cells
        print(json.dumps({{"grader": report.max_score, "parts": list(the_assignment().part_names),
                          "nbgrader": sum(c.metadata.nbgrader.get("points", 0) for c in cells
                                          if c.metadata.get("nbgrader", {{}}).get("grade")),
                          "nbgrader_parts": [c.metadata.nbgrader.grade_id
                                             for c in autograded_cells(read_notebook({str(notebook_path)!r}))],
                          "total": the_assignment().total_points}}))
    ''')
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    *printed, last = done.stdout.strip().splitlines()
    totals = json.loads(last)
    automatic = the_assignment().automatic_points + 3
    assert totals["grader"] == automatic
    assert totals["nbgrader"] == totals["total"] == automatic + the_assignment().written_points
    assert totals["parts"][-1] == NEW_PART and totals["nbgrader_parts"][-1] == f"test_{NEW_PART}"
    assert f"public checks of {NEW_PART}: 2/2 points, of 3 for this part." in printed
    assert any(f"{NEW_PART}.hidden_defined (1)" in line for line in printed)
    assert f"| `{NEW_PART}` | 2 | 1 | 3 |" in (tmp_path / "autograder" / "README.md").read_text()
