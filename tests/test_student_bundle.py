"""Does the student bundle stand alone: do its README's commands work in the unzipped folder?

The bundle has no ``solutions/``, ``tests/`` or hidden checks. These tests unzip it into a
temporary folder and run the commands of its README's ``bash`` blocks as written, through the
bundle's own ``run.sh``: its cache key is the lock and the Python version, so it reuses the
virtual environment these tests run in instead of building one.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.bundles import STUDENT_README, build_student_bundle
from autograder.checks import load_checks

COMMANDS = [line.strip() for block in re.findall(r"```bash\n(.*?)```", STUDENT_README.read_text(), re.S)
            for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
NOTEBOOK = "course/vae/vae.ipynb"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The student zip, unzipped where nothing of the repository is near."""
    tmp = tmp_path_factory.mktemp("bundle")
    with zipfile.ZipFile(build_student_bundle(tmp / "student.zip")) as archive:
        archive.extractall(tmp / "unzipped")
    return tmp / "unzipped" / "vae-course"


def _env(bundle: Path, **extra: str) -> dict[str, str]:
    """The student's shell: this interpreter's Python version (same venv), no repository on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "PYTHON": sys.executable, "JUPYTER_RUNTIME_DIR": str(bundle.parent / "runtime"),
            "JUPYTERLAB_WORKSPACES_DIR": str(bundle.parent / "workspaces"), **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _open_notebook_in_jupyter_lab(command: str, bundle: Path) -> None:
    """Start JupyterLab as written, fetch the notebook it shows the browser through its API, stop it."""
    port, token, here = _free_port(), "bundle-test", bundle.parent
    config = here / "jupyter-config"  # CI runs as root, which Jupyter refuses unless told
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"allow_root": True}}))
    browser, opened = here / "browser.sh", here / "browser.html"  # a browser that keeps the page it is given
    browser.write_text(f'#!/bin/sh\ncp "${{1#file://}}" {opened}\n')
    browser.chmod(0o755)
    env = _env(bundle, JUPYTER_PORT=str(port), JUPYTER_TOKEN=token, JUPYTER_CONFIG_DIR=str(config),
               BROWSER=f"{browser} %s")
    log = here / "jupyter.log"
    with log.open("w") as handle:
        server = subprocess.Popen(shlex.split(command), cwd=bundle, env=env, start_new_session=True,
                                  stdout=handle, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while not opened.exists():
            assert server.poll() is None, f"{command!r} ended early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{command!r}: no browser opened:\n{log.read_text()}"
            time.sleep(1)
        shown = re.search(r"http://[^/\s]+/lab/tree/([^?\s\"]+)\?token=", opened.read_text())
        assert shown and shown[1].endswith("vae.ipynb"), f"the browser is sent to:\n{opened.read_text()}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/{shown[1]}?token={token}",
                                    timeout=30) as response:
            model = json.load(response)
        assert model["type"] == "notebook" and model["content"]["cells"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_readme_offers_setup_and_the_public_grading():
    """Does the README show how to open the notebook and how to grade it against the public checks?"""
    assert any("jupyter lab" in c and NOTEBOOK in c for c in COMMANDS)
    assert any("autograder grade" in c and "--public-only" in c for c in COMMANDS)
    assert not [c for c in COMMANDS if re.search(r"run\.sh (main|test)\b", c)]


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_works_in_the_unzipped_bundle(command, bundle):
    """Does each command of the bundle's README work as written in the unzipped bundle?"""
    if "jupyter lab" in command:
        _open_notebook_in_jupyter_lab(command, bundle)
        return
    done = subprocess.run(command, shell=True, cwd=bundle, env=_env(bundle), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{command!r} failed:\n{done.stdout}\n{done.stderr}"
    if "--public-only" in command:  # the blank student notebook: a full report of the public checks, no points
        public = load_checks(include_hidden=False)
        assert re.search(rf"^total\s+0/{sum(c.points for c in public):g}\s", done.stdout, re.M), done.stdout
        assert all(c.id in done.stdout for c in public) and "(hidden)" not in done.stdout
        assert (bundle / "feedback.md").read_text().strip()


def test_repository_commands_are_refused_in_the_bundle_with_a_pointer(bundle):
    """Do `run.sh main` and `run.sh test`, which need solutions/ and tests/, stop at once and point to the README?"""
    for command in ("main", "test"):
        done = subprocess.run(["bash", "run.sh", command], cwd=bundle, env=_env(bundle), capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2 and "usage: bash run.sh {python}" in done.stderr and "README.md" in done.stderr


@pytest.mark.slow
def test_self_check_cell_runs_in_the_bundle(bundle, tmp_path):
    """Do the notebook's imports and a self-check cell run in a kernel started from the bundle?"""
    notebook = nbformat.read(bundle / NOTEBOOK, as_version=4)
    imports = next(c for c in notebook.cells if c.cell_type == "code" and "import self_check" in c.source)
    first_check = next(c for c in notebook.cells if c.cell_type == "code" and c.source.lstrip().startswith("# Self-check"))
    notebook.cells = [imports, first_check]
    trial = bundle / "course" / "vae" / "trial.ipynb"
    nbformat.write(notebook, trial)
    script = ("import sys, nbformat; from nbclient import NotebookClient; "
              "nb = nbformat.read(sys.argv[1], as_version=4); "
              "NotebookClient(nb, timeout=300, resources={'metadata': {'path': 'course/vae'}}).execute(); "
              "print(''.join(o.get('text', '') for o in nb.cells[1].outputs))")
    done = subprocess.run(["bash", "run.sh", "python", "-c", script, str(trial.relative_to(bundle))], cwd=bundle,
                          env=_env(bundle, VAE_COURSE_FAST="1"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert re.search(r"public checks of \w+: 0/\d+ points", done.stdout), done.stdout
