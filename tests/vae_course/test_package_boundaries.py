"""Does the student helper package stand on its own: no import of the grader or of repository tooling?

``vae_course`` runs in the student's notebook and ships in the student bundle; ``autograder`` grades
(and holds hidden checks in the repository) and ``course_tools`` needs ``solutions/``. The scan
reads every module's source, so an import inside a function counts as much as one at the top.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from import_scan import imported_modules

PACKAGE = Path(__file__).resolve().parents[2] / "vae_course"
FORBIDDEN = ("autograder", "course_tools")


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_vae_course_imports_nothing_from_the_grader_or_the_tooling(path):
    forbidden = {name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN}
    assert not forbidden, f"{path.relative_to(PACKAGE.parent)} imports {sorted(forbidden)}"


def test_the_scan_sees_imports_inside_functions(tmp_path):
    """Would a lazy import in a function body be found, so that the scan's silence means something?"""
    planted = tmp_path / "planted.py"
    planted.write_text("def grade():\n    from autograder.running.grading import grade_submission\n    import course_tools\n")
    assert imported_modules(planted) == {"autograder.running.grading", "course_tools"}
