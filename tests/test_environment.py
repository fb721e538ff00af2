"""Are the student's environment (environment.yml), the package's pins and the lock file the same?"""
from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

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


def _lowest_python() -> str:
    """The oldest Python pyproject's requires-python admits (it must be a plain ``>=3.X.Y``)."""
    requires = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(3\.\d+\.\d+)", requires)
    assert match, f"requires-python {requires!r} is not of the form >=3.X.Y"
    return match[1]


def test_requires_python_is_one_every_locked_package_supports():
    """Does every package of requirements.lock (installed here from it) run on the oldest Python requires-python admits?"""
    lowest = Version(_lowest_python())
    lock = _pins((REPO_ROOT / "requirements.lock").read_text().splitlines())
    refusing = []
    for name, version in lock.items():
        dist = metadata.distribution(name)
        assert dist.version == version, f"{name} {dist.version} is installed, the lock pins {version}"
        if lowest not in SpecifierSet(dist.metadata.get("Requires-Python") or ""):
            refusing.append(f"{name}=={version} requires Python {dist.metadata['Requires-Python']}")
    assert not refusing, f"requires-python says >={lowest}, but " + "; ".join(refusing)


def test_lock_python_is_the_one_everything_names():
    """Do environment.yml, requires-python, Gradescope's setup.sh and the Python running this lock agree?"""
    lowest = _lowest_python()
    series = lowest.rsplit(".", 1)[0]
    assert re.search(rf"^\s*-\s*python={re.escape(series)}\s*$", (REPO_ROOT / "environment.yml").read_text(), re.M)
    setup = (REPO_ROOT / "autograder" / "gradescope" / "setup.sh").read_text()
    assert re.search(rf'^python_min="{re.escape(lowest)}"', setup, re.M)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == series and Version(lowest) <= Version(
        ".".join(map(str, sys.version_info[:3])))
