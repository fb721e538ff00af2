"""Do the release bundles hold what they should, and nothing students must not see?"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.assignment.parts import the_assignment
from autograder.assignment.bundles import build_gradescope_bundle, build_student_bundle
from autograder.assignment.graded_checks import load_checks
from variants import REFERENCE

REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def _windows(lines: list[str], size: int = 3) -> set[tuple[str, ...]]:
    stripped = [line.strip() for line in lines if line.strip()]
    return {tuple(stripped[i:i + size]) for i in range(len(stripped) - size + 1)}


def _solution_windows() -> set[tuple[str, ...]]:
    """Every three consecutive lines of a solution region: distinctive, unlike single generic lines."""
    text = "\n".join(c.source for c in nbformat.read(REFERENCE, as_version=4).cells)
    return set().union(*(_windows(region.splitlines()) for region in REGION.findall(text)))


def test_student_bundle_has_the_course_and_no_secrets(tmp_path):
    """Does the student zip hold notebooks, public checks, data helpers and the environment, and no solution or hidden check?"""
    bundle = zipfile.ZipFile(build_student_bundle(tmp_path / "student.zip"))
    names = bundle.namelist()
    for needed in ["vae-course/course/vae/vae.ipynb", "vae-course/environment.yml", "vae-course/autograder/self_check.py",
                   "vae-course/autograder/checks/reparameterize.py", "vae-course/vae_course/data/sources.py",
                   "vae-course/datasets/ffhq/README.md"]:
        assert needed in names
    assert not [n for n in names if "/solutions/" in n or "/hidden/" in n or "/tests/" in n]
    solutions, questions = _solution_windows(), [c.question for c in load_checks() if c.hidden]
    for name in names:
        text = bundle.read(name).decode("utf-8", errors="ignore")
        if name.endswith(".ipynb"):
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        assert not _windows(text.splitlines()) & solutions, f"{name} contains solution code"
        assert not [q for q in questions if q in text], f"{name} contains a hidden check"


def test_leak_scan_would_catch_a_leak():
    """Would the scan above notice the reference vae_loss, so that its silence means something?"""
    assert ('bce = F.binary_cross_entropy(recon_x, x, reduction="sum")',
            "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", "return bce + kl") in _solution_windows()


def test_bundles_are_reproducible(tmp_path):
    """Does building a bundle twice give the same bytes?"""
    first = build_student_bundle(tmp_path / "a.zip").read_bytes()
    assert build_student_bundle(tmp_path / "b.zip").read_bytes() == first


@pytest.mark.slow
def test_gradescope_run_autograder_grades_a_submission(tmp_path):
    """In a fake Gradescope tree, does run_autograder write a full-marks results.json for the reference?"""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build_gradescope_bundle(tmp_path / "gradescope.zip")) as bundle:
        assert {"setup.sh", "run_autograder", "autograder/hidden/models.py", "requirements.lock"} <= set(bundle.namelist())
        bundle.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    shutil.copy(REFERENCE, root / "submission" / "vae.ipynb")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    env.pop("PYTHONPATH", None)
    subprocess.run(["bash", str(root / "run_autograder")], env=env, check=True, capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == the_assignment().automatic_points  # the written answers: not graded yet
    assert results["max_score"] == the_assignment().total_points
    assert (root / "results" / "feedback.md").exists()
