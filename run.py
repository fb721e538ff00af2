"""One entry point for people and CI, on Linux, macOS and Windows (Python's standard library only, no bash):

    python run.py main             grade the reference solutions and run the offline demo (writes out/)
    python run.py test ARGS...     run the test suite
    python run.py python ARGS...   run the project's Python (after setup)

On Windows: ``py -3.11 run.py python ...``; ``bash run.sh`` is the same launcher. main and test need the
repository's solutions/ and tests/; the student bundle has only python. The first call builds a virtual
environment from requirements.lock outside the clone, keyed by a hash of the lock and of this Python's
version, so later runs and later clones reuse it; pip evaluates the lock's environment markers, so each
platform gets its own packages at the same versions. It stays in the caller's directory, so relative
paths in ARGS mean what the caller meant.

VAE_COURSE_TORCH_INDEX_URL (Linux): the URL of PyTorch's CPU-only wheel index (the --index-url of the pip
command PyTorch's "Get Started" selector shows for Linux, pip, CPU). torch and torchvision then come from
there at the lock's versions, and the lock's CUDA packages (about 4.9 GB) are left out.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent
LOCK = REPO / "requirements.lock"
PYTHON_MIN = (3, 11, 5)  # pyproject's requires-python
CUDA_ONLY = re.compile(r"(nvidia-|cuda-|triton==)")  # what only torch's CUDA build needs
TORCH = re.compile(r"(torch|torchvision)==")


def _commands() -> list[str]:
    """main and test need the repository; the student bundle offers only python."""
    full = (REPO / "solutions").is_dir() and (REPO / "tests").is_dir()
    return ["main", "test", "python"] if full else ["python"]


def _venv_python(venv: Path) -> Path:
    return venv / "Scripts" / "python.exe" if os.name == "nt" else venv / "bin" / "python"


def venv_path(torch_index: str) -> Path:
    """The cached environment for this lock, this Python and this choice of torch build."""
    cache = Path(os.environ.get("VAE_COURSE_CACHE") or Path.home() / ".cache" / "vae-course")
    keyed = LOCK.read_bytes() + f"{sys.version}\n".encode()
    if torch_index:
        keyed += f"torch index: {torch_index}\n".encode()
    return cache / f"venv-{hashlib.sha256(keyed).hexdigest()[:12]}"


def _pip(venv: Path, *args: str) -> None:
    done = subprocess.run([str(_venv_python(venv)), "-m", "pip", "install", "--quiet", *args])
    if done.returncode:
        sys.exit(f"pip install {' '.join(args)} failed (exit {done.returncode}); run again to retry")


def set_up(venv: Path, torch_index: str) -> None:
    """Build the environment once: a venv with exactly the lock's versions (marked for this platform)."""
    if (venv / ".complete").is_file():
        return
    print(f"setting up {venv} (first run only; torch is large)", file=sys.stderr)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    _pip(venv, "--upgrade", "pip")
    requirements = LOCK
    if torch_index:
        lines = LOCK.read_text().splitlines()
        # the CPU build satisfies the lock's torch==X (a local label such as +cpu matches); then the rest
        _pip(venv, "--no-deps", "--index-url", torch_index,
             *[line.split(";")[0].strip() for line in lines if TORCH.match(line)])
        requirements = venv / "requirements-cpu.lock"
        requirements.write_text("".join(f"{line}\n" for line in lines if not CUDA_ONLY.match(line)))
    _pip(venv, "-r", str(requirements))
    (venv / ".complete").touch()


def _absolute_test_paths(args: list[str], caller: Path) -> list[str]:
    """pytest runs in the repository: test paths given relative to the caller's directory are made absolute."""
    return [str(caller / arg) if not arg.startswith("-") and (caller / arg.split("::")[0]).exists() else arg
            for arg in args]


def _run(python: Path, args: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Become the command where the OS can (signals reach it directly); on Windows wait for it."""
    if os.name == "nt":
        sys.exit(subprocess.run([str(python), *args], cwd=cwd, env=env).returncode)
    os.chdir(cwd)
    os.execve(str(python), [str(python), *args], env)


def main(argv: list[str]) -> None:
    launcher = os.environ.pop("VAE_COURSE_LAUNCHER", "python run.py")  # run.sh names itself
    commands = _commands()
    if not argv or argv[0] not in commands:
        print(f"usage: {launcher} {{{'|'.join(commands)}}} [ARGS...]", file=sys.stderr)
        if commands == ["python"]:
            print("(this is the student bundle: see README.md)", file=sys.stderr)
        sys.exit(2)
    if sys.version_info < PYTHON_MIN:
        wanted = ".".join(map(str, PYTHON_MIN))
        sys.exit(f"Python {wanted} or later is needed, this is {sys.version.split()[0]}: name one with "
                 f"PYTHON=python3.11 bash run.sh ... or py -3.11 run.py ...")
    torch_index = os.environ.get("VAE_COURSE_TORCH_INDEX_URL", "")
    venv = venv_path(torch_index)
    set_up(venv, torch_index)
    python = _venv_python(venv)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(python.parent), *filter(None, [env.get("PATH")])])
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    # No MPLBACKEND here: Jupyter kernels started from here keep their inline backend (figures show in the
    # notebook), and headless scripts fall back to Agg on their own.
    command, args = argv[0], argv[1:]
    caller = Path.cwd()
    if command == "main":  # writes out/ in the repository
        _run(python, ["-m", "course_tools", "main", *args], REPO, env)
    elif command == "test":  # in the repository, where pytest's configuration and testpaths apply
        _run(python, ["-m", "pytest", *_absolute_test_paths(args, caller)], REPO, env)
    else:
        _run(python, args, caller, env)


if __name__ == "__main__":
    main(sys.argv[1:])
