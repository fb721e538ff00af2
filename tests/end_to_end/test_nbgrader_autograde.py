"""The instructor's nbgrader path (issue 20 items 1, 3-5), through the real nbgrader in throwaway courses.

By default ``nbgrader autograde`` keeps what the student submitted (her figures) and runs none of her code;
only her own files reach her autograded and feedback folders; the opt-in re-execution runs the reference
without an error and holds its limits; ``validate`` passes the reference and fails the stubs in the ordinary
kernel; neither ``generate_assignment --force`` nor Formgrader's Generate button touches ``course/``.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_tools.course_build import COURSE, REPO_ROOT, SOLUTIONS
from vae_course.settings import course_settings

REFERENCE = SOLUTIONS / "vae" / "vae.ipynb"
STUB = COURSE / "vae" / "vae.ipynb"
CANARY = "instructor-secret-5f1c"  # in nbgrader's environment, as an instructor's token would be
PNG = base64.b64encode(bytes.fromhex(  # a 1x1 PNG: the figure of the student's own run
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6458b0000000049454e44ae426082")).decode()
MARKER = "student-code-ran.txt"


def _nbgrader(course: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "INSTRUCTOR_TOKEN": CANARY,
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=environment,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _course(root: Path) -> Path:
    course = root / "course"
    course.mkdir()
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(SOLUTIONS, course / "solutions")
    return course


def _submit(course: Path, student: str, notebook: nbformat.NotebookNode, *extra: tuple[str, str]) -> None:
    folder = course / "submitted" / student / "vae"
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / "vae.ipynb")
    for name, text in extra:
        (folder / name).write_text(text)


def _with_cells(path: Path, *sources: str, at: int = 3) -> nbformat.NotebookNode:
    """The notebook at ``path`` with new code cells inserted after its setup cells."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[at:at] = [nbformat.v4.new_code_cell(source) for source in sources]
    return notebook


def _cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _errors(notebook: nbformat.NotebookNode) -> list[str]:
    return [f"cell {i}: {o.ename}: {o.evalue}"[:300] for i, c in enumerate(notebook.cells)
            for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    """A course autograded and fed back with the default configuration: Alice's notebook holds her run's figure,
    a cell that leaves a marker if anything runs it, and a file of her own; the instructor left notes, a
    checkpoint and a figure beside the source notebook, and one data file there that the configuration declares."""
    course = _course(tmp_path_factory.mktemp("default"))
    source = course / "solutions" / "vae"
    (source / "notes-for-graders.md").write_text("the model answers, for graders only")
    for folder, name in (("checkpoints/fast", "reference.pt"), ("figures", "beta_sweep.png")):
        (source / folder).mkdir(parents=True)
        (source / folder / name).write_text("the reference's weights, for graders only")
    (source / "table.csv").write_text("x,y\n1,2\n")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write('\nc.ReleaseOnlyDeclaredFiles.files = ["*.csv"]\n')
    notebook = _with_cells(REFERENCE, f"from pathlib import Path\nPath({MARKER!r}).write_text('ran')")
    _cell(notebook, "cifar_inspect").outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG})]
    _submit(course, "alice", notebook, ("my-run-notes.txt", "what I saw"))
    _nbgrader(course, "db", "student", "add", "alice")
    _nbgrader(course, "generate_assignment", "vae", "--force")
    _nbgrader(course, "autograde", "vae", "--force")
    _nbgrader(course, "generate_feedback", "vae", "--force")
    return course


@pytest.mark.slow
def test_autograde_keeps_the_submitted_figure(default_run):
    """Does the figure of the student's own run survive into her autograded notebook and her feedback page?"""
    graded = nbformat.read(default_run / "autograded" / "alice" / "vae" / "vae.ipynb", as_version=4)
    assert [o.get("data", {}).get("image/png") for o in _cell(graded, "cifar_inspect").outputs] == [PNG]
    assert PNG in (default_run / "feedback" / "alice" / "vae" / "vae.html").read_text()


@pytest.mark.slow
def test_autograde_runs_no_student_code(default_run):
    """Does the default autograde leave a cell that would write a marker file unrun (no marker anywhere)?"""
    assert not [p for p in default_run.rglob(MARKER)]
    graded = nbformat.read(default_run / "autograded" / "alice" / "vae" / "vae.ipynb", as_version=4)
    assert graded.cells[3].outputs == []


@pytest.mark.slow
def test_the_release_holds_the_notebook_and_the_declared_file_only(default_run):
    """Does generate_assignment leave out of the release what lies beside the source notebook (notes, a
    checkpoint, a figure), keeping the notebook and the data file the configuration declares?"""
    release = default_run / "build" / "release" / "vae"
    assert _files(release) == {"vae.ipynb", "table.csv"}


@pytest.mark.slow
def test_only_the_students_files_reach_her(default_run):
    """Are her autograded and feedback folders her notebook, her page and her own file, with nothing of the
    instructor's in them (notes, checkpoints, environment, the repository's or the grader's paths)?"""
    autograded, feedback = (default_run / step / "alice" / "vae" for step in ("autograded", "feedback"))
    assert _files(autograded) == {"vae.ipynb", "my-run-notes.txt"}
    assert _files(feedback) == {"vae.html", "my-run-notes.txt"}
    for path in [*autograded.rglob("*"), *feedback.rglob("*")]:
        text = path.read_text()
        for secret in (CANARY, str(REPO_ROOT), "vae-kernel-code", "for graders only"):
            assert secret not in text, f"{secret!r} in {path}"


@pytest.fixture(scope="module")
def executed_run(tmp_path_factory) -> tuple[Path, dict[str, float]]:
    """A course autograded with the opt-in re-execution: the reference; a notebook that prints its environment and
    then writes 96 MB; one that sleeps past the notebook's time limit. Each student's autograde, in seconds."""
    course = _course(tmp_path_factory.mktemp("executed"))
    students = {
        "reference": nbformat.read(REFERENCE, as_version=4),
        "writer": _with_cells(STUB, "import os\nprint('ENV', sorted(os.environ.items()), os.getcwd())",
                              "import time\nfrom pathlib import Path\nfor i in range(12):\n"
                              "    Path(f'big{i}.bin').write_bytes(bytes(8 << 20))\n    time.sleep(0.3)"),
        "sleeper": _with_cells(STUB, "import time\ntime.sleep(250)"),
    }
    limits = {"writer": ["--ConfinedKernelManager.folder_bytes=33554432"],
              "sleeper": ["--ConfinedKernelManager.notebook_seconds=60"]}
    for student, notebook in students.items():
        _submit(course, student, notebook)
        _nbgrader(course, "db", "student", "add", student)
    _nbgrader(course, "generate_assignment", "vae", "--force")
    seconds = {}
    for student in students:
        started = time.monotonic()
        _nbgrader(course, "autograde", "vae", "--student", student, "--force", *limits.get(student, []),
                  env={"VAE_COURSE_AUTOGRADE_EXECUTE": "1"})
        seconds[student] = time.monotonic() - started
    return course, seconds


def _graded(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / student / "vae" / "vae.ipynb", as_version=4)


@pytest.mark.slow
def test_reexecution_runs_the_reference_without_an_error(executed_run):
    """Does the opt-in re-execution run every cell of the reference (torchvision, hypothesis) and show figures?"""
    graded = _graded(executed_run[0], "reference")
    assert _errors(graded) == []
    assert sum("image/png" in o.get("data", {}) for c in graded.cells for o in c.get("outputs", [])) >= 5


@pytest.mark.slow
def test_reexecution_gets_an_allow_list_environment(executed_run):
    """Does the kernel's environment leave out the instructor's variables and the repository's path?"""
    printed = "".join(o.get("text", "") for o in _graded(executed_run[0], "writer").cells[3].outputs)
    assert "ENV" in printed
    for secret in (CANARY, "INSTRUCTOR_TOKEN", str(REPO_ROOT), str(executed_run[0])):
        assert secret not in printed


@pytest.mark.slow
def test_reexecution_stops_a_big_write(executed_run):
    """Is a notebook that writes past its folder's limit stopped there, said so, and its files gone?"""
    course = executed_run[0]
    graded = _graded(course, "writer")
    assert any("wrote more than its folder may hold" in e for e in _errors(graded)), _errors(graded)
    assert sum(p.stat().st_size for p in course.rglob("*") if p.is_file()) < 32 << 20


@pytest.mark.slow
def test_reexecution_stops_a_slow_notebook_at_its_time_limit(executed_run):
    """Is a notebook that sleeps past its time limit stopped at the limit (not the cell's) and graded anyway?"""
    course, seconds = executed_run
    assert any("ran out of its time (60 s in all)" in e for e in _errors(_graded(course, "sleeper")))
    assert seconds["sleeper"] < 200


@pytest.mark.slow
def test_validate_passes_the_reference_and_writes_nothing_beside_it(tmp_path):
    """Does ``nbgrader validate`` pass the reference in the ordinary kernel, its run writing outside solutions/?"""
    course = _course(tmp_path)
    before = _files(course / "solutions")
    done = _nbgrader(course, "validate", "solutions/vae/vae.ipynb")
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout[-3000:]
    assert _files(course / "solutions") == before
    assert (course / "build" / "solution-runs" / "vae" / "figures").is_dir()


@pytest.mark.slow
def test_validate_fails_the_stubs(tmp_path):
    """Does ``nbgrader validate`` fail the student notebook as released (every part a stub)?"""
    course = _course(tmp_path)
    (course / "release").mkdir()
    shutil.copy(STUB, course / "release" / "vae.ipynb")
    done = _nbgrader(course, "validate", "release/vae.ipynb")
    assert "VALIDATION FAILED" in done.stdout, done.stdout[-3000:]
    assert "SelfCheckFailed" in done.stdout, "the unfinished code parts do not count, only the written answers"


FORMGRADER_GENERATE = """
import json
from nbgrader.apps import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.apps.api import NbGraderAPI
app = NbGrader()
app.config_file_paths.append(".")
app.load_config_file()
api = NbGraderAPI(CourseDirectory(config=app.config), Authenticator(config=app.config), config=app.config)
print(json.dumps(api.generate_assignment("vae", force=True)))
"""


@pytest.mark.slow
def test_generate_and_formgraders_generate_leave_course_alone(tmp_path):
    """Do ``generate_assignment --force`` and Formgrader's Generate button write build/release, not course/?"""
    course = _course(tmp_path)
    shutil.copytree(COURSE, course / "course")
    kept = course / "course" / "vae" / "data" / "downloaded.txt"
    kept.parent.mkdir(parents=True)
    kept.write_text("a dataset a student downloaded")
    before = {name: (course / "course" / name).read_bytes() for name in _files(course / "course")}
    _nbgrader(course, "generate_assignment", "vae", "--force")
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", FORMGRADER_GENERATE], cwd=course, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout.splitlines()[-1])["success"], done.stdout + done.stderr
    assert {name: (course / "course" / name).read_bytes() for name in _files(course / "course")} == before
    assert (course / "build" / "release" / "vae" / "vae.ipynb").is_file()


def test_a_run_of_the_reference_writes_outside_solutions(tmp_path, monkeypatch):
    """Does a notebook run in solutions/<assignment> beside nbgrader_config.py write to build/solution-runs/, and
    one run anywhere else (a student's folder) to its own folder?"""
    (tmp_path / "nbgrader_config.py").write_text("")
    (tmp_path / "solutions" / "vae").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "solutions" / "vae")
    settings = course_settings()
    out = tmp_path / "build" / "solution-runs" / "vae"
    assert (settings.figure_dir, settings.data_dir, settings.checkpoint_dir.parent) == (
        out / "figures", out / "data", out / "checkpoints")
    monkeypatch.chdir(tmp_path)
    assert course_settings().figure_dir == Path("figures")
