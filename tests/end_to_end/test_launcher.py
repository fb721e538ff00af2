"""Does run.py (and run.sh, which hands over to it) build, key and use the environment as it says?

The launcher runs for real, in a fake repository whose lock names tiny wheels made here, so that pip
installs from a local folder in seconds and nothing is fetched: what it installs, where, and what the
command then sees are what a student's first and later runs get.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCK = """# a lock in requirements.lock's form: pins, some with environment markers
tinypkg==1.0
torch==2.14.1
nvidia-fake==1.0 ; sys_platform == 'linux'
elsewhere==1.0 ; sys_platform == 'nonesuch'
"""
SHOW = ("import json, os, sys; from importlib import metadata; "
        "print(json.dumps({'prefix': sys.prefix, 'cwd': os.getcwd(), 'path': os.environ['PYTHONPATH'], "
        "'installed': sorted(d.metadata['Name'] for d in metadata.distributions() if d.metadata['Name'] not in "
        "('pip', 'setuptools')), 'torch': metadata.version('torch')}))")


def _wheel(folder: Path, name: str, version: str) -> None:
    """A minimal pure-Python wheel: one module that knows its version."""
    module, dist_info = name.replace("-", "_"), f"{name.replace('-', '_')}-{version}.dist-info"
    files = {f"{module}/__init__.py": f"VERSION = {version!r}\n",
             f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files[f"{dist_info}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{dist_info}/RECORD"])
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{module}-{version}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A repository with the launcher, a lock, solutions/ and tests/, fake course_tools and pytest; wheels
    in a local folder (the default index, empty, finds nothing) and a CPU index holding torch 2.14.1+cpu."""
    root = tmp_path_factory.mktemp("launcher")
    repo = root / "repo"
    for folder in ("solutions", "tests", "course_tools"):
        (repo / folder).mkdir(parents=True)
    shutil.copy(REPO_ROOT / "run.py", repo)
    shutil.copy(REPO_ROOT / "run.sh", repo)
    (repo / "requirements.lock").write_text(LOCK)
    show_args = "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()}))\n"
    (repo / "course_tools" / "__init__.py").touch()
    (repo / "course_tools" / "__main__.py").write_text(show_args)
    (repo / "pytest.py").write_text(show_args)
    for name, version in [("tinypkg", "1.0"), ("torch", "2.14.1"), ("nvidia-fake", "1.0")]:
        _wheel(root / "wheels", name, version)
    _wheel(root / "cpu-index" / "torch", "torch", "2.14.1+cpu")
    wheel = "torch-2.14.1+cpu-py3-none-any.whl"  # the index's project page (PEP 503)
    (root / "cpu-index" / "torch" / "index.html").write_text(f'<a href="{wheel}">{wheel}</a>\n')
    (root / "empty-index").mkdir()
    (root / "caller" / "tests").mkdir(parents=True)
    (root / "caller" / "tests" / "test_x.py").touch()
    return root


def _launch(place: Path, *args: str, launcher: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess:
    """Run the launcher from the caller's folder, with pip held to the local wheels."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VAE_COURSE_")) and k != "PYTHONPATH"}
    clean.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=(place / "empty-index").as_uri(),
                 PIP_FIND_LINKS=str(place / "wheels"), VAE_COURSE_CACHE=str(place / "cache"), PYTHON=sys.executable,
                 **env)
    command = [*(launcher or (sys.executable, str(place / "repo" / "run.py"))), *args]
    return subprocess.run(command, cwd=place / "caller", env=clean, capture_output=True, text=True, timeout=600)


def _key(place: Path, extra: str = "") -> str:
    """The documented key: the lock, this Python's version, and the torch index when one is named."""
    keyed = (place / "repo" / "requirements.lock").read_bytes() + f"{sys.version}\n".encode() + extra.encode()
    return hashlib.sha256(keyed).hexdigest()[:12]


def test_first_run_installs_the_lock_for_this_platform_and_later_runs_reuse_it(place):
    """Does the first run build venv-<key> from the lock (markers evaluated), run the command in the
    caller's folder with the repository importable, and a second run reuse it without installing?"""
    first = _launch(place, "python", "-c", SHOW)
    assert first.returncode == 0, first.stderr
    venv = place / "cache" / f"venv-{_key(place)}"
    assert f"setting up {venv}" in first.stderr
    seen = json.loads(first.stdout)
    assert Path(seen["prefix"]) == venv and Path(seen["cwd"]) == place / "caller"
    assert seen["path"].split(os.pathsep)[0] == str(place / "repo")
    expected = ["nvidia-fake", "tinypkg", "torch"] if sys.platform == "linux" else ["tinypkg", "torch"]
    assert seen["installed"] == expected and seen["torch"] == "2.14.1"  # not "elsewhere": its marker is false
    again = _launch(place, "python", "-c", SHOW)
    assert again.returncode == 0 and "setting up" not in again.stderr and json.loads(again.stdout) == seen


def test_cpu_index_gives_cpu_torch_and_no_cuda_packages(place):
    """With VAE_COURSE_TORCH_INDEX_URL, does torch come from that index at the lock's version (+cpu), the
    CUDA packages stay out, and the environment get a key of its own?"""
    index = (place / "cpu-index").as_uri()
    done = _launch(place, "python", "-c", SHOW, VAE_COURSE_TORCH_INDEX_URL=index)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    key = _key(place, f"torch index: {index}\n")
    assert Path(seen["prefix"]) == place / "cache" / f"venv-{key}"
    assert seen["installed"] == ["tinypkg", "torch"] and seen["torch"] == "2.14.1+cpu"


def test_main_and_test_run_in_the_repository(place):
    """Do main and test run course_tools and pytest in the repository, with test paths given relative to
    the caller made absolute and other arguments as given?"""
    main = _launch(place, "main", "--fast")
    assert main.returncode == 0, main.stderr
    assert json.loads(main.stdout) == {"argv": ["main", "--fast"], "cwd": str(place / "repo")}
    test = _launch(place, "test", "tests/test_x.py::test_a", "-k", "name", "tests/nowhere.py")
    assert test.returncode == 0, test.stderr
    assert json.loads(test.stdout) == {"argv": [str(place / "caller" / "tests/test_x.py::test_a"), "-k", "name",
                                                "tests/nowhere.py"], "cwd": str(place / "repo")}


def test_run_sh_hands_over_to_run_py(place):
    """Does bash run.sh run the same launcher, in the same environment, and name itself in its usage line?"""
    through_bash = _launch(place, "python", "-c", SHOW, launcher=("bash", str(place / "repo" / "run.sh")))
    assert through_bash.returncode == 0, through_bash.stderr
    assert json.loads(through_bash.stdout)["prefix"] == str(place / "cache" / f"venv-{_key(place)}")
    usage = _launch(place, "nonesuch", launcher=("bash", str(place / "repo" / "run.sh")))
    assert usage.returncode == 2 and "usage: bash run.sh {main|test|python} [ARGS...]" in usage.stderr


def test_bundle_offers_only_python(tmp_path):
    """Without solutions/ and tests/ (the student bundle), are main and test refused before any setup?"""
    shutil.copy(REPO_ROOT / "run.py", tmp_path)
    for command in ("main", "test"):
        done = subprocess.run([sys.executable, str(tmp_path / "run.py"), command], capture_output=True, text=True,
                              env={**os.environ, "VAE_COURSE_CACHE": str(tmp_path / "cache")}, timeout=60)
        assert done.returncode == 2 and "usage: python run.py {python} [ARGS...]" in done.stderr
        assert "README.md" in done.stderr and not (tmp_path / "cache").exists()
