"""Grade the notebooks the repository ships: each reference solution, and its blank student notebook."""
from __future__ import annotations

import json
from pathlib import Path

from autograder.running.grading import grade_submission
from autograder.reports.report import feedback_markdown, gradescope_results, summary_table
from course_tools.course_build import COURSE, SOLUTIONS


def grade_shipped_notebooks(out: Path) -> bool:
    """Whether every reference solution got full marks; each report (the student notebook's at 0 too) goes under ``out``."""
    full_marks = True
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        for kind, notebook in (("reference", path), ("student", COURSE / path.relative_to(SOLUTIONS))):
            report = grade_submission(notebook)
            folder = out / "grading" / path.parent.name / kind
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "results.json").write_text(json.dumps(gradescope_results(report), indent=2) + "\n")
            (folder / "feedback.md").write_text(feedback_markdown(report))
            print(f"\n{kind} {notebook.relative_to(SOLUTIONS.parent)}: {report.score:g}/{report.max_score:g} automatic, "
                  f"{report.total_score:g}/{report.total_max:g} with the written answers a person grades "
                  f"(results.json and feedback.md in {folder})")
            if kind == "reference":
                print(summary_table(report))
                full_marks &= report.score == report.max_score
    return full_marks
