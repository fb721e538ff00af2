"""Are the student's environment (environment.yml), the package's pins and the lock file the same?"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*(?:-\s*)?([A-Za-z0-9_.\-]+)==([^\s#]+)\s*", line)
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def test_conda_environment_pins_exactly_the_package_dependencies():
    """Does environment.yml list the same packages at the same versions as pyproject.toml?"""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = _pins(project["dependencies"])
    conda = _pins((REPO_ROOT / "environment.yml").read_text().splitlines())
    assert declared and conda == declared


def test_lock_file_agrees_with_the_declared_pins():
    """Does requirements.lock (what run.sh and CI install) pin every dependency at its declared version?"""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    lock = _pins((REPO_ROOT / "requirements.lock").read_text().splitlines())
    for name, version in _pins(project["dependencies"]).items():
        assert lock.get(name) == version, f"{name}: pyproject {version}, lock {lock.get(name)}"


def test_python_version_is_one_the_package_supports():
    """Is the conda environment's Python one that pyproject's requires-python admits?"""
    conda = (REPO_ROOT / "environment.yml").read_text()
    assert "python=3.11" in conda
    assert tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"] == ">=3.10"
