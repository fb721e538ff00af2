"""Are the student's environment (environment.yml, run.py), the package's pins and the lock file the same?"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from autograder.assignment.bundles import build_student_bundle

REPO_ROOT = Path(__file__).resolve().parents[2]


def _requirements(lines) -> dict[str, Requirement]:
    """The ``name==version ; marker`` lines of a lock or dependency list, by canonical name (comments skipped)."""
    found = {}
    for line in lines:
        line = line.split(" #")[0].strip()
        if line and not line.startswith(("#", "-")):
            requirement = Requirement(line)
            assert canonicalize_name(requirement.name) not in found, f"{requirement.name} twice"
            found[canonicalize_name(requirement.name)] = requirement
    return found


def _lock() -> dict[str, Requirement]:
    return _requirements((REPO_ROOT / "requirements.lock").read_text().splitlines())


def _declared() -> dict[str, Requirement]:
    return _requirements(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def test_conda_environment_installs_exactly_the_lock():
    """Does environment.yml take its packages from requirements.lock (the grader's versions) and nowhere else?"""
    conda = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    assert conda["dependencies"] == ["python=3.11", "pip", {"pip": ["-r requirements.lock", "-e ."]}]


def test_conda_pip_step_is_satisfied_by_the_lock_environment(tmp_path):
    """Does environment.yml's pip section, run as conda runs it (its lines in a requirements file beside
    environment.yml, pip started there), resolve offline in the environment the lock built here, adding only
    this package? A pin of pyproject.toml that the lock contradicts, or a wrong path, makes pip fail."""
    with zipfile.ZipFile(build_student_bundle(tmp_path / "student.zip")) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "vae-course"
    specs = yaml.safe_load((folder / "environment.yml").read_text())["dependencies"][-1]["pip"]
    (folder / "condaenv.test.requirements.txt").write_text("\n".join(specs) + "\n")
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-build-isolation",
                           "--report", str(report), "-r", "condaenv.test.requirements.txt"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    installs = json.loads(report.read_text())["install"]
    assert [item["metadata"]["name"] for item in installs] == ["vae-course"]


def test_lock_file_agrees_with_the_declared_pins():
    """Does requirements.lock (what run.py, conda and CI install) pin every dependency at its declared
    version, under the same environment marker?"""
    lock = _lock()
    for name, declared in _declared().items():
        assert name in lock, f"{name} is declared but not locked"
        assert (lock[name].specifier, lock[name].marker) == (declared.specifier, declared.marker), (
            f"{name}: pyproject {declared}, lock {lock[name]}")


def _lowest_python() -> str:
    """The oldest Python pyproject's requires-python admits (it must be a plain ``>=3.X.Y``)."""
    requires = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(3\.\d+\.\d+)", requires)
    assert match, f"requires-python {requires!r} is not of the form >=3.X.Y"
    return match[1]


def test_requires_python_is_one_every_locked_package_supports():
    """Does every package the lock gives this platform (installed here from it) run on the oldest Python
    requires-python admits?"""
    lowest = Version(_lowest_python())
    refusing = []
    for name, requirement in _lock().items():
        if requirement.marker and not requirement.marker.evaluate():
            continue  # another platform's package (run.py's pip leaves it out here)
        version = next(iter(requirement.specifier)).version
        dist = metadata.distribution(name)
        assert dist.version == version, f"{name} {dist.version} is installed, the lock pins {version}"
        if lowest not in SpecifierSet(dist.metadata.get("Requires-Python") or ""):
            refusing.append(f"{name}=={version} requires Python {dist.metadata['Requires-Python']}")
    assert not refusing, f"requires-python says >={lowest}, but " + "; ".join(refusing)


def test_lock_python_is_the_one_everything_names():
    """Do environment.yml, requires-python, run.py, Gradescope's setup.sh and the Python running this lock agree?"""
    lowest = _lowest_python()
    series = lowest.rsplit(".", 1)[0]
    assert re.search(rf"^\s*-\s*python={re.escape(series)}\s*$", (REPO_ROOT / "environment.yml").read_text(), re.M)
    setup = (REPO_ROOT / "autograder" / "gradescope" / "setup.sh").read_text()
    assert re.search(rf'^python_min="{re.escape(lowest)}"', setup, re.M)
    launcher = (REPO_ROOT / "run.py").read_text()
    assert re.search(rf"^PYTHON_MIN = \({re.escape(lowest.replace('.', ', '))}\)", launcher, re.M)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == series and Version(lowest) <= Version(
        ".".join(map(str, sys.version_info[:3])))
