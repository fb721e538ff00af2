"""Does the notebook's first cell make the course helpers importable from the student bundle,
as on Colab or Kaggle (helpers not installed), without installing anything already there?"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest
from packaging.requirements import Requirement

from autograder.assignment.bundles import build_student_bundle
from course_tools.course_build import SOLUTIONS


def _first_code_cell() -> str:
    notebook = nbformat.read(SOLUTIONS / "vae" / "vae.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    assert cell.metadata["nbgrader"]["grade_id"] == "hosted_setup"
    return cell.source


@pytest.mark.slow
def test_first_cell_uses_the_uploaded_bundle(tmp_path):
    build_student_bundle(tmp_path / "vae-course-student.zip")
    code = _first_code_cell() + "\nimport vae_course, autograder.self_check\nprint('from', vae_course.__file__)\n"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"course helpers from {tmp_path / 'vae-course'}" in done.stdout
    assert "installed" not in done.stdout  # everything the helpers need is here already
    assert f"from {tmp_path / 'vae-course' / 'vae_course'}" in done.stdout
    assert "device: cpu" in done.stdout


def test_first_cell_says_what_to_do_without_the_bundle(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", _first_code_cell()], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode != 0 and "upload vae-course-student.zip" in done.stderr


def test_first_cell_installs_a_missing_helper_at_its_locked_version(tmp_path):
    """With hypothesis missing, does the first cell read its pin from the lock (whose lines carry environment
    markers) and pip-install exactly that version, as on a fresh Colab? pip is a fake that notes its arguments."""
    build_student_bundle(tmp_path / "vae-course-student.zip")
    lock = (tmp_path / "bundle.lock")
    with zipfile.ZipFile(tmp_path / "vae-course-student.zip") as bundle:
        lock.write_bytes(bundle.read("vae-course/requirements.lock"))
    requirements = [Requirement(line) for line in lock.read_text().splitlines() if line and not line.startswith("#")]
    assert any(r.marker for r in requirements)  # the case the cell must handle
    pinned = next(str(r.specifier) for r in requirements if r.name == "hypothesis")
    fakes, noted = tmp_path / "fakes", tmp_path / "pip-args.json"
    (fakes / "pip").mkdir(parents=True)
    (fakes / "pip" / "__init__.py").touch()  # a regular package, found before the real pip
    (fakes / "pip" / "__main__.py").write_text(
        f"import json, sys\nopen({str(noted)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    code = 'import sys\nsys.modules["hypothesis"] = None  # not installed\n' + _first_code_cell()
    env = {**{key: value for key, value in os.environ.items() if key != "PYTHONPATH"}, "PYTHONPATH": str(fakes)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(noted.read_text()) == ["install", "--quiet", f"hypothesis{pinned}"]
    assert f"installed hypothesis{pinned}" in done.stdout
