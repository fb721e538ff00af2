"""One verdict: the self-check a student runs in her kernel and the grader judge the same code the same way.

Each notebook below packs valid forms of the corpus (``alternatives.py``) into different cells. It is graded
in the sandbox, and its setup, definition and self-check cells are run in a real Jupyter kernel; every public
check of an edited part must get the grader's verdict in the kernel, and the grader must give full marks.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from alternatives import ALTERNATIVES, Alternative
from autograder.assignment.parts import the_assignment
from autograder.running.grading import grade_submission
from variants import REPO_ROOT, Edit, edited_notebook
from vae_course.settings import DATA_ENV, FAST_ENV

pytestmark = pytest.mark.slow
PARTS = set(the_assignment().part_names)
VERDICT = re.compile(r"^(PASS|FAIL) (\S+) \(", re.M)


def _packed(alternatives: list[Alternative]) -> list[list[Alternative]]:
    """The alternatives in as few notebooks as possible, no two of one notebook editing the same cell."""
    notebooks: list[list[Alternative]] = []
    for alternative in alternatives:
        cells = {e.grade_id for e in alternative.edits}
        for notebook in notebooks:
            if not cells & {e.grade_id for a in notebook for e in a.edits}:
                notebook.append(alternative)
                break
        else:
            notebooks.append([alternative])
    return notebooks


NOTEBOOKS = _packed(ALTERNATIVES)


def _kernel_verdicts(notebook: nbformat.NotebookNode, parts: set[str], workdir: Path,
                     monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bool], str]:
    """Each public check's verdict from the self-check cells of ``parts``, run in a kernel after the setup and
    every definition cell (what a student runs before a self-check), and everything the self-checks printed."""
    keep = {"hosted_setup", "setup"} | PARTS | {f"test_{p}" for p in parts}
    cells = [c for c in notebook.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id") in keep]
    monkeypatch.setenv(FAST_ENV, "1")
    monkeypatch.setenv(DATA_ENV, str(workdir / "data"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    run = nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)
    NotebookClient(run, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    printed = "".join(o.get("text", "") for c in run.cells
                      if c.metadata["nbgrader"]["grade_id"].startswith("test_") for o in c.outputs)
    return {check: mark == "PASS" for mark, check in VERDICT.findall(printed)}, printed


def _both_verdicts(edits: tuple[Edit, ...], parts: set[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The grader's report of the edited notebook, its verdict on each public check of ``parts``, and the kernel's."""
    notebook = edited_notebook(*edits)
    path = tmp_path / "vae.ipynb"
    nbformat.write(notebook, path)
    report = grade_submission(path)
    graded = {r.id: r.passed for r in report.results if r.part in parts and not r.hidden}
    kernel, printed = _kernel_verdicts(notebook, parts, tmp_path, monkeypatch)
    return report, graded, kernel, printed


@pytest.mark.parametrize("alternatives", NOTEBOOKS, ids=[f"notebook{i}" for i in range(len(NOTEBOOKS))])
def test_valid_forms_get_full_marks_and_one_verdict(alternatives, tmp_path, monkeypatch):
    """Do these valid forms get full marks in the sandbox, and every public check of their parts the same verdict
    from the self-check in a kernel?"""
    edits = tuple(e for a in alternatives for e in a.edits)
    parts = {e.grade_id for e in edits}
    report, graded, kernel, printed = _both_verdicts(edits, parts, tmp_path, monkeypatch)
    lost = {r.id: r.message for r in report.results if not r.passed}
    assert not lost, f"{[a.name for a in alternatives]} lost points in the sandbox: {lost}"
    assert kernel == graded, f"the self-check and the grader disagree:\n{printed}"


HELPER_THE_GRADER_DROPS = (
    Edit("vae_loss", "def vae_loss(", "def make_loss():\n    return nn.BCELoss(reduction='sum')\n\n\n"
                                      "reconstruction_function = make_loss()\n\n\ndef vae_loss("),
    Edit("vae_loss", 'bce = F.binary_cross_entropy(recon_x, x, reduction="sum")',
         "bce = reconstruction_function(recon_x, x)"),
)


def test_what_the_grader_cannot_take_fails_in_the_self_check_too_naming_the_line(tmp_path, monkeypatch):
    """A helper built by the student's own function is not run by the grader: does the self-check fail the same
    checks as the grader, and name that line?"""
    report, graded, kernel, printed = _both_verdicts(HELPER_THE_GRADER_DROPS, {"vae_loss"}, tmp_path, monkeypatch)
    assert not any(graded.values()) and kernel == graded, printed
    assert "`reconstruction_function = make_loss()` (In [" in printed and "is not run by the grader" in printed, printed
    assert any("reconstruction_function = make_loss()" in note for note in report.notes), report.notes
