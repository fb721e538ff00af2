"""Does requirements.lock give each platform students use a complete set at the grader's versions?

The lock is universal: each line may carry an environment marker, which pip evaluates where it installs.
These tests evaluate every marker for Linux x86-64, Linux aarch64, macOS arm64 and Windows amd64 and walk
the requirements of what each platform gets from the declared dependencies down (the packages' own
metadata, as installed here from the lock): nothing missing, nothing left over, every pin inside every
range. pip cannot do this for another platform (``pip install --platform`` still evaluates markers for the
machine it runs on); uv's resolver can, and the last test runs it where uv is installed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = {"python_version": "3.11", "python_full_version": "3.11.5", "implementation_name": "cpython",
          "platform_python_implementation": "CPython", "implementation_version": "3.11.5",
          "platform_release": "", "platform_version": ""}
PLATFORMS = {  # marker environment, and the platform uv resolves for
    "linux-x86_64": ({"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                      "platform_machine": "x86_64"}, "x86_64-manylinux_2_28"),
    "linux-aarch64": ({"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                       "platform_machine": "aarch64"}, "aarch64-manylinux_2_28"),
    "macos-arm64": ({"os_name": "posix", "sys_platform": "darwin", "platform_system": "Darwin",
                     "platform_machine": "arm64"}, "aarch64-apple-darwin"),
    "windows-amd64": ({"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                       "platform_machine": "AMD64"}, "x86_64-pc-windows-msvc"),
}
MACOS = "14.0"  # the oldest macOS torch 2.14.1 has wheels for (the bundle's README says so)
CUDA = re.compile(r"nvidia-|cuda-|triton$")
ONLY_ON = {"pyseccomp": {"linux-x86_64", "linux-aarch64"}, "appnope": {"macos-arm64"},
           "colorama": {"windows-amd64"}, "pywinpty": {"windows-amd64"}}


def _environment(platform: str, extra: str = "") -> dict[str, str]:
    return {**PYTHON, **PLATFORMS[platform][0], "extra": extra}


def _applies(marker: Marker | None, platform: str, extra: str = "") -> bool:
    return marker is None or marker.evaluate(_environment(platform, extra))


def _parse(lines: list[str]) -> list[Requirement]:
    return [Requirement(line) for line in (raw.split(" #")[0].strip() for raw in lines)
            if line and not line.startswith("#")]


def _locked(platform: str) -> dict[str, str]:
    """What pip installs from the lock on this platform: name -> version (a name twice is an error)."""
    chosen: dict[str, str] = {}
    for requirement in _parse((REPO_ROOT / "requirements.lock").read_text().splitlines()):
        if _applies(requirement.marker, platform):
            name = canonicalize_name(requirement.name)
            (pin,) = requirement.specifier
            assert pin.operator == "==" and name not in chosen, f"{platform}: {requirement}"
            chosen[name] = pin.version
    return chosen


def _declared() -> list[Requirement]:
    return _parse(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def _reached(platform: str, locked: dict[str, str]) -> tuple[set[str], list[str]]:
    """Walk the requirements from the declared dependencies under this platform's markers (with extras).

    Returns the packages reached and the problems: a requirement the lock does not give this platform, or
    a pin outside the range asked for. A package not installed here (another platform's) is a leaf.
    """
    todo = [(r, "pyproject.toml") for r in _declared() if _applies(r.marker, platform)]
    reached: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    problems = []
    while todo:
        requirement, wanted_by = todo.pop()
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{wanted_by} needs {requirement}, which the lock does not give {platform}")
            continue
        if not requirement.specifier.contains(locked[name], prereleases=True):
            problems.append(f"{wanted_by} needs {requirement}, the lock pins {name}=={locked[name]}")
        reached.add(name)
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            needs = _parse(metadata.distribution(name).requires or [])
        except metadata.PackageNotFoundError:
            continue
        todo += [(n, name) for n in needs
                 if any(_applies(n.marker, platform, extra) for extra in ("", *extras))]
    return reached, problems


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_gets_the_graders_versions(platform):
    """Does every platform get every declared dependency (torch, torchvision, ...) at its declared version?"""
    locked = _locked(platform)
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        if _applies(requirement.marker, platform):
            assert requirement.specifier.contains(locked.get(name, "0")), f"{platform}: {requirement} missing"
        else:
            assert name not in locked, f"{platform} gets {name}, which pyproject.toml leaves out there"
    assert locked["torch"] == "2.14.1" and locked["torchvision"] == "0.29.1"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_gets_a_complete_set_and_nothing_else(platform):
    """Is what the lock gives a platform exactly what its requirements reach there, each pin in range?"""
    locked = _locked(platform)
    reached, problems = _reached(platform, locked)
    assert not problems, "\n".join(problems)
    assert sorted(set(locked) - reached) == [], f"{platform} gets packages nothing there requires"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_cuda_and_platform_only_packages_go_only_where_they_belong(platform):
    """CUDA packages only on Linux (PyPI's torch for Linux, x86-64 and aarch64, is the CUDA build and
    requires them); pyseccomp only on Linux, appnope only on macOS, colorama and pywinpty only on Windows."""
    locked = _locked(platform)
    cuda = sorted(name for name in locked if CUDA.match(name))
    if platform.startswith("linux"):
        assert len(cuda) >= 15 and "triton" in cuda
    else:
        assert cuda == [], f"{platform} would install {cuda}"
    for name, platforms in ONLY_ON.items():
        assert (name in locked) == (platform in platforms), f"{name} on {platform}"


def _uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    return find_uv_bin()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_uv_resolves_each_platforms_set_to_itself(platform, tmp_path):
    """Given exactly what the lock gives a platform, does uv's resolver, resolving for that platform from the
    configured index with the packages' real metadata there, need nothing more and nothing else?"""
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (pip cannot resolve for another platform's markers)")
    locked = _locked(platform)
    chosen = tmp_path / "chosen.txt"
    chosen.write_text("".join(f"{name}=={version}\n" for name, version in sorted(locked.items())))
    done = subprocess.run([uv, "pip", "compile", str(chosen), "--python-platform", PLATFORMS[platform][1],
                           "--python-version", PYTHON["python_full_version"], "--no-header", "--no-annotate"],
                          env={**os.environ, "MACOSX_DEPLOYMENT_TARGET": MACOS}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    resolved = {canonicalize_name(r.name): str(r.specifier)[2:] for r in _parse(done.stdout.splitlines())}
    assert resolved == locked
