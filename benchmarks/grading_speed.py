"""Time grading one submission: this autograder against ``nbgrader autograde``, side by side.

Both grade the reference solution. nbgrader executes every cell (in fast mode, since it sets
NBGRADER_EXECUTION=autograde), so its time includes the notebook's training steps; the
autograder runs only the definitions, in its sandbox. Run:

    bash run.sh python benchmarks/grading_speed.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = REPO_ROOT / "solutions" / "vae" / "vae.ipynb"
# nbgrader calls the `alembic` command, which lives beside this interpreter.
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - started


def nbgrader_course(root: Path) -> None:
    """A throwaway nbgrader course holding the reference solution as one student's submission."""
    shutil.copy(REPO_ROOT / "nbgrader_config.py", root)
    shutil.copytree(REPO_ROOT / "solutions", root / "solutions")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["db", "student", "add", "student1"], cwd=root, check=True, capture_output=True, env=ENV)
    subprocess.run(nbgrader + ["generate_assignment", "vae", "--force"], cwd=root, check=True, capture_output=True, env=ENV)
    submitted = root / "submitted" / "student1" / "vae"
    submitted.mkdir(parents=True)
    shutil.copy(REFERENCE, submitted / "vae.ipynb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        nbgrader_course(course)
        for _ in range(args.repeats):
            ours.append(_timed([sys.executable, "-m", "autograder", "grade", str(REFERENCE),
                                "--json", str(Path(tmp) / "results.json")], REPO_ROOT))
            theirs.append(_timed([sys.executable, "-m", "nbgrader", "autograde", "vae", "--force"], course))
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"python -m autograder grade      median {ours_median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in ours)})")
    print(f"nbgrader autograde (fast mode)  median {theirs_median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in theirs)})")
    print(f"ratio nbgrader / autograder: {theirs_median / ours_median:.2f}x")


if __name__ == "__main__":
    main()
