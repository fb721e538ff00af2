"""The command line through run.sh, as a user calls it from another directory with relative paths."""
from __future__ import annotations

import shutil
import subprocess

from autograder.assignment.parts import the_assignment
from autograder.assignment.graded_checks import load_checks
from variants import REFERENCE, REPO_ROOT

RUN = str(REPO_ROOT / "run.sh")
PUBLIC_POINTS = sum(c.points for c in load_checks(include_hidden=False))
MAX_POINTS = PUBLIC_POINTS + the_assignment().written_points  # the written answers count, 0 until graded


def _run(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", RUN, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_a_relative_path_from_another_directory_grades_that_file(tmp_path):
    """From outside the repository, does `run.sh python -m autograder grade sub/vae.ipynb` grade that notebook?"""
    (tmp_path / "sub").mkdir()
    shutil.copy(REFERENCE, tmp_path / "sub" / "vae.ipynb")
    done = _run(tmp_path, "python", "-m", "autograder", "grade", "sub/vae.ipynb", "--public-only",
                "--json", "out/results.json")
    assert done.returncode == 0, done.stderr
    assert f"total {PUBLIC_POINTS:g}/{MAX_POINTS:g}" in " ".join(done.stdout.split()), done.stdout
    assert (tmp_path / "out" / "results.json").exists()


def test_a_missing_path_is_one_line_and_a_failure(tmp_path):
    """Does a path that does not exist give one clear line on stderr, nothing else, and a non-zero exit?"""
    done = _run(tmp_path, "python", "-m", "autograder", "grade", "no/such/vae.ipynb")
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "no/such/vae.ipynb does not exist" in done.stderr


def test_an_existing_broken_file_gets_a_complete_zero_report(tmp_path):
    """Does a file that exists but is not a notebook get every check listed with 0 points, and exit 0?"""
    (tmp_path / "vae.ipynb").write_text("not a notebook")
    done = _run(tmp_path, "python", "-m", "autograder", "grade", "vae.ipynb", "--public-only")
    assert done.returncode == 0, done.stderr
    for check in load_checks(include_hidden=False):
        assert check.id in done.stdout
    assert f"total 0/{MAX_POINTS:g}" in " ".join(done.stdout.split())


def test_run_sh_test_from_another_directory_runs_the_repository_tests(tmp_path):
    """Does `bash run.sh test` called from elsewhere still collect the repository's own tests?"""
    done = _run(tmp_path, "test", "--collect-only", "-q", "-m", "not slow", "-p", "no:cacheprovider")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "tests/vae_course/test_notebook_code.py" in done.stdout
