"""An nbgrader preprocessor that takes the autograded scores from the autograder, not the kernel.

nbgrader normally reads a test cell's score from its outputs, which the student's kernel
produces and can forge. This preprocessor runs after ``Execute``: it grades the submitted
notebook with ``grade_supervised`` (student code in the sandbox's worker, scores computed in
a grading child) and replaces every autograded test cell's outputs with that part's feedback and score,
so nbgrader's gradebook and ``results.json`` agree. Hidden checks appear only as a count.
``StartGradingOutsideKernel``, before ``Execute``, starts that grading while the kernel executes
the notebook: the grader reads only the code cells' sources, which executing does not change.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.assignment.parts import TEST_PREFIX
from autograder.running.grading import GradeReport
from autograder.reports.render import part_lines, score_of
from autograder.framework.results import CheckResult
from autograder.running.supervisor import grade_supervised

GRADING = "autograder_grading"  # the key of the started grading in nbconvert's resources


def part_feedback(part: str, results: list[CheckResult]) -> str:
    """What the student sees under a part's test cell."""
    return "\n".join([f"Autograder: {part}, {score_of(results)} points", *part_lines(results)]) + "\n"


def autograded_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The autograded test cells: graded, not solution, code, with a ``test_<part>`` grade id."""
    return [cell for cell in notebook.cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
            and not cell.metadata["nbgrader"].get("solution")
            and cell.metadata["nbgrader"].get("grade_id", "").startswith(TEST_PREFIX)]


def start_grading(nb: nbformat.NotebookNode) -> Future[GradeReport]:
    """Grade ``nb`` as it is now, in a supervised child, from a thread of this process."""
    def grade(text: str) -> GradeReport:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "submission.ipynb"
            path.write_text(text, encoding="utf-8")
            return grade_supervised(path)[0]  # in a child: a submission that kills its grader spares nbgrader

    with ThreadPoolExecutor(1) as pool:  # the thread goes on after ``shutdown(wait=False)``
        future = pool.submit(grade, nbformat.writes(nb))
        pool.shutdown(wait=False)
    return future


class StartGradingOutsideKernel(NbGraderPreprocessor):
    """Start grading the submission before ``Execute`` runs it, so both go on at once."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        resources[GRADING] = start_grading(nb)
        return nb, resources


class GradeOutsideKernel(NbGraderPreprocessor):
    """Write each part's out-of-process score into its test cell as nbgrader's partial credit."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        report = (resources.pop(GRADING, None) or start_grading(nb)).result()
        for cell in autograded_cells(nb):
            part = cell.metadata["nbgrader"]["grade_id"].removeprefix(TEST_PREFIX)
            results = [r for r in report.results if r.part == part]
            score = sum(r.score for r in results)
            cell.outputs = [new_output("stream", name="stdout", text=part_feedback(part, results)),
                            new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=None)]
        return nb, resources
