"""Does ``nbgrader autograde``'s opt-in re-execution keep a hostile notebook inside its kernel and earn it nothing?

A throwaway course with two students, autograded with ``VAE_COURSE_AUTOGRADE_EXECUTE=1`` (the default runs no
student code at all). Alice's notebook is graded first; then Mallory's, whose
graded definitions are wrappers that borrow the reference solution when called, and whose first
code cell, run by nbgrader's kernel, tries to write the course root, the gradebook, Alice's
submitted and autograded notebooks, the release and source folders and the config, to read the
solutions and the user's home, and to start a process. Every file of the course tree except
Mallory's own autograded folder and nbgrader's gradebook must hash the same before and after
her grading; the gradebook must hold nothing she wrote; she must score 0.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.sandbox.confine import available_layers
from hostile import Targets, wrapper_submission
from variants import REPO_ROOT

pytestmark = pytest.mark.slow
SOLUTIONS = REPO_ROOT / "solutions"
STUDENT_NOTEBOOK = REPO_ROOT / "course" / "vae" / "vae.ipynb"
MARK = "WRITTEN-BY-MALLORY"

ATTACKS = """
import json, os, sqlite3, torch
from pathlib import Path
COURSE, HOME, MARK = Path({course!r}), {home!r}, {mark!r}
attempts = {{
    "course root": lambda: (COURSE / "pwned.txt").write_text(MARK),
    "course root, native": lambda: torch.save(MARK, str(COURSE / "pwned.pt")),
    "gradebook": lambda: open(COURSE / "gradebook.db", "ab").write(MARK.encode()),
    "gradebook, sqlite": lambda: sqlite3.connect(str(COURSE / "gradebook.db")).execute("delete from grade"),
    "other's submitted": lambda: (COURSE / "submitted/alice/vae/vae.ipynb").write_text(MARK),
    "other's autograded": lambda: (COURSE / "autograded/alice/vae/vae.ipynb").write_text(MARK),
    "release folder": lambda: (COURSE / "build/release/vae/vae.ipynb").write_text(MARK),
    "source folder": lambda: (COURSE / "solutions/vae/extra.py").write_text(MARK),
    "config": lambda: open(COURSE / "nbgrader_config.py", "a").write(MARK),
    "read the solutions": lambda: (COURSE / "solutions/vae/vae.ipynb").read_text(),
    "list the course": lambda: os.listdir(COURSE),
    "list the home folder": lambda: os.listdir(HOME),
    "start a process": lambda: os.system("touch " + str(COURSE / "pwned-by-shell")),
}}
outcomes = {{}}
for name, attempt in attempts.items():
    try:
        attempt()
        outcomes[name] = "done"
    except Exception as error:
        outcomes[name] = type(error).__name__
print("ATTEMPTS", json.dumps(outcomes))
"""


def _nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "VAE_COURSE_AUTOGRADE_EXECUTE": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, check=True,
                   capture_output=True, text=True)


def _hashes(course: Path, mine: Path) -> dict[str, str]:
    """Every file's content hash, except the attacker's own autograded folder and nbgrader's gradebook."""
    return {str(path.relative_to(course)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(course.rglob("*"))
            if path.is_file() and path.name != "gradebook.db" and mine not in path.parents}


def _mallory(course: Path) -> str:
    notebook = nbformat.reads(wrapper_submission(Targets(course / "x", course / "x", course / "x")).decode(), 4)
    attacks = ATTACKS.format(course=str(course), home=str(Path.home()), mark=MARK)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(attacks))
    return nbformat.writes(notebook)


@pytest.mark.skipif(not {"landlock", "seccomp"} <= available_layers(),
                    reason="without Landlock and seccomp, nbgrader's kernel cannot be confined")
def test_hostile_notebook_stays_in_its_folder_under_nbgrader_autograde(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(SOLUTIONS, course / "solutions")
    for student, text in {"alice": STUDENT_NOTEBOOK.read_text(), "mallory": _mallory(course)}.items():
        _nbgrader(course, "db", "student", "add", student)
        folder = course / "submitted" / student / "vae"
        folder.mkdir(parents=True)
        (folder / "vae.ipynb").write_text(text)
    _nbgrader(course, "generate_assignment", "vae", "--force")
    _nbgrader(course, "autograde", "vae", "--student", "alice", "--force")
    mine = course / "autograded" / "mallory"
    before = _hashes(course, mine)
    _nbgrader(course, "autograde", "vae", "--student", "mallory", "--force")
    after = _hashes(course, mine)

    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"Mallory's kernel changed the course: {changed}"
    assert MARK.encode() not in (course / "gradebook.db").read_bytes()
    graded = nbformat.read(mine / "vae" / "vae.ipynb", as_version=4)
    printed = "".join(output.get("text", "") for output in graded.cells[1].outputs)
    outcomes = json.loads(printed.split("ATTEMPTS", 1)[1])
    assert outcomes and "done" not in outcomes.values(), outcomes
    _nbgrader(course, "export")
    with (course / "grades.csv").open() as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert scores == {"alice": 0.0, "mallory": 0.0}
