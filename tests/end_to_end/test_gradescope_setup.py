"""Does Gradescope's setup.sh build the grader's environment as it says, CUDA or CPU-only?

setup.sh runs here as Gradescope runs it, in a fake /autograder tree made from the bundle, with
fake interpreters that note every command instead of installing gigabytes: what they note is
what the image would get.
"""
from __future__ import annotations

import os
import re
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from autograder.assignment.bundles import REPO_ROOT, build_gradescope_bundle

CPU_INDEX = "https://wheels.example/cpu"  # a stand-in for PyTorch's CPU wheel index: nothing is fetched
LOCK = (REPO_ROOT / "requirements.lock").read_text().splitlines()
FAKE_PYTHON = """#!/usr/bin/env bash
# a fake interpreter: notes its arguments, answers the version check with {version_ok}
echo "$(basename "$0") $*" >> "$FAKE_LOG"
case "$1 $2" in
    "-c "*) exit {version_ok} ;;
    "-m venv") mkdir -p "$3/bin" && cp "$FAKE_NEW" "$3/bin/python" ;;
    "-m uv") [ "$3 $4" = "python find" ] && echo "$FAKE_NEW" ;;
    "-m pip") previous=; for arg in "$@"; do [ "$previous" = -r ] && cp "$arg" "$FAKE_LOG.lock"; previous=$arg; done ;;
esac
exit 0
"""


def _name(name: str) -> str:
    return name.lower().replace("_", "-")


def _needs(dist: metadata.Distribution) -> set[str]:
    """The names of the packages a distribution requires (any markers)."""
    return {_name(re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0]) for r in dist.requires or []}


def _fake(path: Path, version_ok: int) -> Path:
    path.write_text(FAKE_PYTHON.format(version_ok=version_ok))
    path.chmod(0o755)
    return path


def _setup(tmp_path: Path, python_is_new_enough: bool = True, torch_index_url: str | None = None):
    """Run setup.sh in a fake Gradescope tree; return the commands it ran and the lock it installed."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build_gradescope_bundle(tmp_path / "gradescope.zip", torch_index_url)) as bundle:
        bundle.extractall(root / "source")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    new, old = _fake(bin_dir / "python-new", 0), _fake(bin_dir / "python-old", 1)
    _fake(bin_dir / "python3", 1)  # the system's Python 3: only used to fetch uv
    log = tmp_path / "commands.log"
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": str(new if python_is_new_enough else old),
           "FAKE_LOG": str(log), "FAKE_NEW": str(new), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    hidden = root / "source" / "autograder" / "hidden"
    assert all(p.stat().st_mode & 0o077 == 0 for p in [hidden, *hidden.rglob("*")])
    return log.read_text().splitlines(), Path(f"{log}.lock").read_text().splitlines()


def test_setup_installs_the_lock_as_is_by_default(tmp_path):
    """Without a CPU index, does setup.sh make /autograder/venv and install requirements.lock unchanged?"""
    commands, installed = _setup(tmp_path)
    venv = tmp_path / "autograder" / "venv"
    assert f"python-new -m venv {venv}" in commands
    assert [c for c in commands if " -m pip " in c] == [
        f"python -m pip install --quiet --no-cache-dir -r {tmp_path}/autograder/source/requirements.lock"]
    assert installed == LOCK


def test_setup_installs_cpu_torch_and_no_cuda_packages(tmp_path):
    """With the CPU index in the bundle, does torch come from it at the lock's versions, and no CUDA package from the lock?"""
    commands, installed = _setup(tmp_path, torch_index_url=CPU_INDEX)
    torch_pins = [line for line in LOCK if re.match(r"(torch|torchvision)==", line)]
    assert len(torch_pins) == 2
    pip = [c for c in commands if " -m pip " in c]
    assert pip[0] == f"python -m pip install --quiet --no-cache-dir --index-url {CPU_INDEX} {' '.join(torch_pins)}"
    assert pip[1].endswith("-r " + str(tmp_path / "autograder" / "requirements-cpu.lock")) and len(pip) == 2
    dropped = sorted(set(LOCK) - set(installed))
    assert dropped and all(re.match(r"(nvidia-|cuda-|triton==)", line) for line in dropped)
    assert [line for line in LOCK if line in installed] == installed  # nothing added, order kept


def test_cpu_lock_drops_only_what_cuda_torch_alone_needs():
    """Is every package the CPU lock drops required by nothing installed except CUDA torch and other dropped packages?"""
    dropped = {line.split("==")[0] for line in LOCK if re.match(r"(nvidia-|cuda-|triton==)", line)}
    for dist in metadata.distributions():
        name = _name(dist.metadata["Name"])
        if name != "torch" and name not in dropped:
            assert not _needs(dist) & dropped, f"{name} needs {_needs(dist) & dropped}, which the CPU image would lack"
    assert _needs(metadata.distribution("torch")) & dropped  # CUDA torch is what brought them


def test_setup_fetches_a_new_enough_python_when_the_image_has_an_older_one(tmp_path):
    """When the image's python3.11 is older than requires-python, does setup.sh fetch one with uv and use it?"""
    commands, installed = _setup(tmp_path, python_is_new_enough=False)
    assert "python3 -m uv python install 3.11" in commands
    assert any(c.startswith("python-new -m venv") for c in commands) and installed == LOCK


@pytest.mark.parametrize("url", [None, CPU_INDEX])
def test_gradescope_bundle_names_the_cpu_index_only_when_asked(tmp_path, url):
    """Does the bundle hold gradescope.env (the CPU index) only when built with --torch-index-url?"""
    with zipfile.ZipFile(build_gradescope_bundle(tmp_path / "g.zip", url)) as bundle:
        names = bundle.namelist()
        assert ("gradescope.env" in names) == bool(url)
        if url:
            assert bundle.read("gradescope.env").decode() == f"TORCH_INDEX_URL={url}\n"
