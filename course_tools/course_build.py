"""Generate the student notebooks (``course/``) from the reference solutions (``solutions/``).

The solutions are the single source: nbgrader's ``generate_assignment`` strips everything
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` and locks the read-only cells. Nobody
edits ``course/`` by hand; ``tests/course_tools/test_course_build.py`` fails when it drifts.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO_ROOT / "solutions"
COURSE = REPO_ROOT / "course"


def assignments() -> list[str]:
    """The assignment names: one folder of source notebooks each."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate_student_notebooks(release_dir: Path = COURSE) -> list[Path]:
    """Run ``nbgrader generate_assignment`` for every assignment into ``release_dir``."""
    for name in assignments():
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--no-db",
             f"--CourseDirectory.release_directory={Path(release_dir).resolve()}", "--log-level=WARN"],
            cwd=REPO_ROOT, check=True,
        )
    return sorted(Path(release_dir).glob("*/*.ipynb"))
