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

from autograder.assignment.parts import the_assignment
from autograder.assignment.bundles import STUDENT_README, build_student_bundle
from autograder.assignment.graded_checks import load_checks
from course_tools.course_build import SOLUTIONS

SOLUTION = SOLUTIONS / "vae" / "vae.ipynb"

WINDOWS_PYTHON = "py -3.11 "  # how the README starts a Windows command; here, this test's Python


def _commands(language: str) -> list[str]:
    return [line.strip() for block in re.findall(rf"```{language}\n(.*?)```", STUDENT_README.read_text(), re.S)
            for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


COMMANDS = _commands("bash")
WINDOWS_COMMANDS = _commands("powershell")
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
    opened.unlink(missing_ok=True)  # the page an earlier command's server was given
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
    """Does the README show how to open the notebook (with bash, and on Windows without) and how to grade it
    against the public checks?"""
    assert any("jupyter lab" in c and NOTEBOOK in c for c in COMMANDS)
    assert any(c.startswith(f"{WINDOWS_PYTHON}run.py python -m jupyter lab {NOTEBOOK}") for c in WINDOWS_COMMANDS)
    assert any("autograder grade" in c and "--public-only" in c for c in COMMANDS)
    assert not [c for c in COMMANDS if re.search(r"run\.sh (main|test)\b", c)]


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS + WINDOWS_COMMANDS)
def test_readme_command_works_in_the_unzipped_bundle(command, bundle):
    """Does each command of the bundle's README work as written in the unzipped bundle (a Windows command
    through run.py with this Python, no bash)?"""
    if command.startswith(WINDOWS_PYTHON):
        command = shlex.quote(sys.executable) + " " + command.removeprefix(WINDOWS_PYTHON)
    if "jupyter lab" in command:
        _open_notebook_in_jupyter_lab(command, bundle)
        return
    done = subprocess.run(command, shell=True, cwd=bundle, env=_env(bundle), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{command!r} failed:\n{done.stdout}\n{done.stderr}"
    if "--public-only" in command:  # the blank student notebook: a full report of the public checks, no points
        public = load_checks(include_hidden=False)
        written = the_assignment().written_points  # the written answers count in the total, as in the gradebook
        assert re.search(rf"^total\s+0/{sum(c.points for c in public) + written:g}\s", done.stdout, re.M), done.stdout
        assert all(c.id in done.stdout for c in public) and "(hidden)" not in done.stdout
        assert (bundle / "feedback.md").read_text().strip()
    if "datasets/prepare.py" in command:  # where the notebook, run in course/vae/, looks: its data/
        printed = (bundle / done.stdout.strip().splitlines()[-1]).resolve()
        assert printed.is_relative_to((bundle / "course" / "vae" / "data").resolve()), done.stdout


def test_repository_commands_are_refused_in_the_bundle_with_a_pointer(bundle):
    """Do `main` and `test`, which need solutions/ and tests/, stop at once and point to the README, through
    run.sh and run.py alike?"""
    for launcher, name in ((["bash", "run.sh"], "bash run.sh"), ([sys.executable, "run.py"], "python run.py")):
        for command in ("main", "test"):
            done = subprocess.run([*launcher, command], cwd=bundle, env=_env(bundle), capture_output=True,
                                  text=True, timeout=60)
            assert done.returncode == 2 and f"usage: {name} {{python}}" in done.stderr, done.stderr
            assert "README.md" in done.stderr


def test_readme_names_only_files_in_the_bundle(bundle):
    """Is every file or folder the README names (`like/this.py`, `this/`) in the bundle, or written by one of
    its commands?"""
    written = {"feedback.md", "course/vae/data/", "data/"}
    named = set(re.findall(r"`([\w.~<>-]*/[\w./<>-]*|[\w-]+\.(?:md|py|yml|lock|toml|sh|ipynb|zip))`",
                           STUDENT_README.read_text()))
    named -= {"vae-course-student.zip"}  # the bundle itself
    missing = sorted(n for n in named - written if not n.startswith("~") and not (bundle / n).exists())
    assert not missing, f"the README names {missing}, which the bundle lacks"


def test_readme_names_every_written_answer_with_its_points():
    """Does the README's table name each hand-graded answer of the notebook (its title) with its points, and
    their sum?"""
    cells = nbformat.read(SOLUTION, as_version=4).cells
    answers = []
    for before, cell in zip(cells, cells[1:]):
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and grading.get("grade"):
            title = re.search(r"\*\*(.+?) \((\d+) points?\)", before.source)
            assert title and int(title[2]) == grading["points"], before.source[:200]
            answers.append((title[1], grading["points"]))
    assert len(answers) == 8
    readme = STUDENT_README.read_text()
    for title, points in answers:
        assert re.search(rf"^\| {re.escape(title)}\b.*\| {points:g} \|$", readme, re.M), f"{title} ({points})"
    assert f"{sum(p for _, p in answers):g} points in all" in readme


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
