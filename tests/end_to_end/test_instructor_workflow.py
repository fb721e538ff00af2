"""The README's whole nbgrader sequence, exchange included, on three students, one of them hostile.

The real nbgrader CLI runs the README's instructor commands in order (students added, assignment
generated and released, collected, autograded, graded by hand, feedback generated and released,
exported, graded again by ``grade-batch`` and ``grade`` with the gradebook); between them each student,
with a HOME and a working folder of her own, runs the README's student commands (fetch_assignment,
submit, fetch_feedback). The written answers are graded through nbgrader's Gradebook API as Formgrader
does. alice submits the reference solution, bob the released notebook with one written answer, and
eve the reference with raw HTML and scripts in a written answer and in her outputs, and a cell that,
if anyone ran it, would print the environment (the instructor's holds a canary), write 50 MB and sleep.
Formgrader (``jupyter server`` with nbgrader's extension) and a headless Chromium load her submission
page and her feedback page; each payload, if it ran, would request ``/ran/<payload>`` from this test.
"""
from __future__ import annotations

import asyncio

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
import uuid
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
from nbgrader.api import Gradebook

from autograder.assignment.parts import the_assignment
from course_tools.course_build import REPO_ROOT, SOLUTIONS
from headless_chromium import Chromium, chromium_path  # beside this file (pytest puts its folder on sys.path)
from test_inert_in_browser import PROBE, _Hits, _run, _start_formgrader

README = (REPO_ROOT / "README.md").read_text()
SECTION = README[README.index("With nbgrader, from the repository root"):
                 README.index("Without nbgrader, or for Gradescope")]
ASSIGNMENT = the_assignment()
STUDENTS = {"alice": ("Alice", "Martin"), "bob": ("Bob", "Okafor"), "eve": ("Eve", "Mallory")}
BOB_ANSWER, EVE_UNGRADED = ASSIGNMENT.written_ids[0], "comparison"
EVE_OVERRIDDEN = ASSIGNMENT.parts[0]  # the instructor types 1 point over this part's autograded score
CANARY = f"canary-{uuid.uuid4().hex}"  # in the instructor's environment only
BIG_FILE = "big.bin"


def instructor_commands() -> list[list[str]]:
    """The README's instructor lines, in order: the module (nbgrader, jupyter, autograder), then its arguments."""
    lines = re.findall(r"^bash run\.sh python -m (\S+) (.+?)(?:\s+#.*)?$", SECTION, re.M)
    return [[module, *shlex.split(rest)] for module, rest in lines]


def student_commands() -> dict[str, list[str]]:
    """The README's student lines, by nbgrader command."""
    lines = re.findall(r"^python -m nbgrader (.+?)(?:\s+#.*)?$", SECTION, re.M)
    return {args[0]: args for args in map(shlex.split, lines)}


def _named(args: list[str], student: str) -> list[str]:
    """A README line written for alice, for ``student``."""
    first, last = STUDENTS[student]
    swap = {"alice": student, "Alice": first, "Martin": last}
    return [re.sub(r"alice|Alice|Martin", lambda m: swap[m.group()], arg) for arg in args]


class Course:
    """The course folder, the students' homes, and the commands run in them."""

    def __init__(self, root: Path, url: str):
        self.root, self.url = root, url
        self.folder = root / "course"
        self.exchange = self.folder / "build" / "exchange"
        self.logs: dict[str, str] = {}
        self.folder.mkdir()
        shutil.copy(REPO_ROOT / "nbgrader_config.py", self.folder)
        shutil.copytree(SOLUTIONS, self.folder / "solutions")

    def home(self, who: str) -> Path:
        return self.root / "home" / who

    def env(self, who: str) -> dict[str, str]:
        home = self.home(who)
        env = {**os.environ, "HOME": str(home), "USER": who, "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "PYTHONPATH": str(REPO_ROOT),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        if who == "instructor":
            env["VAE_INSTRUCTOR_TOKEN"] = CANARY
        return env

    def run(self, who: str, module: str, args: list[str], cwd: Path) -> str:
        cwd.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=self.env(who), capture_output=True,
                              text=True, timeout=900)
        log = f"{done.stdout}\n{done.stderr}"
        assert done.returncode == 0, f"{who}: {module} {' '.join(args)}:\n{log[-6000:]}"
        self.logs[f"{who}: {args[0]}"] = self.logs.get(f"{who}: {args[0]}", "") + log
        return log

    def instructor(self, module: str, args: list[str]) -> str:
        return self.run("instructor", module, args, self.folder)

    def student(self, student: str, command: str) -> None:
        args = [arg.replace("EXCHANGE", str(self.exchange)) for arg in student_commands()[command]]
        if command in ("submit", "fetch_feedback"):  # one account for three students: as the README says
            args.append(f"--student={student}")
        self.run(student, "nbgrader", args, self.home(student) / "work")


def _hostile(notebook: nbformat.NotebookNode, url: str) -> nbformat.NotebookNode:
    """The reference with scripts in a written answer and in her outputs, and a cell that must never run."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(notebook)))
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ASSIGNMENT.written_ids[1])
    answer.source = "\n".join([
        "My answer, with **bold** in it.",
        f"<script>{_run(url, 'answer_script')}</script>",
        f"<img src=x onerror=\"{_run(url, 'answer_onerror')}\">",
        f"<svg onload=\"{_run(url, 'answer_svg_onload')}\"></svg>",
        f"<iframe srcdoc=\"<script>{_run(url, 'answer_iframe')}</script>\"></iframe>",
        f"[a link](javascript:{_run(url, 'answer_javascript_url', quote=chr(39))})",
    ])
    html, script = f"<img src=x onerror=\"{_run(url, 'html_output')}\">", _run(url, "javascript_output")
    printed = f"<script>{_run(url, 'stream_output')}</script>"
    code = "\n".join([
        "import os, sys, time",
        "from IPython.display import HTML, Javascript, display",
        f"display(HTML({html!r}))",
        f"display(Javascript({script!r}))",
        f"print({printed!r})",
        "print(dict(os.environ), sys.path, os.getcwd())  # the grader's environment and paths, if it ran",
        f"open({BIG_FILE!r}, 'wb').write(b'x' * 50_000_000)",
        "time.sleep(20)",
    ])
    nb.cells.append(new_code_cell(code, execution_count=1, outputs=[
        new_output("display_data", data={"text/html": html}),
        new_output("display_data", data={"application/javascript": script}),
        new_output("stream", name="stdout", text=printed + "\n"),
    ]))
    nb.cells.append(new_markdown_cell(f"An added cell <img src=x onerror=\"{_run(url, 'added_markdown_cell')}\">"))
    return nb


def _work(course: Course, student: str) -> None:
    """What each student does between fetch_assignment and submit."""
    path = course.home(student) / "work" / "vae" / "vae.ipynb"
    assert path.read_bytes() == (course.folder / "build" / "release" / "vae" / "vae.ipynb").read_bytes()
    fetched = nbformat.read(path, as_version=4)
    reference = nbformat.read(SOLUTIONS / "vae" / "vae.ipynb", as_version=4)
    if student == "alice":
        work = reference
    elif student == "bob":
        work = fetched
        next(c for c in work.cells if c.metadata.get("nbgrader", {}).get("grade_id") == BOB_ANSWER).source = \
            "The KL term keeps each posterior close to the prior."
    else:
        work = _hostile(reference, course.url)
    nbformat.write(work, path)


def _grade_by_hand(course: Course) -> None:
    """Points for every answer that waits for a person, as Formgrader's grade API stores them; one of eve's waits,
    and the instructor overrides the autograded score of one of her parts."""
    given = {"alice": None, "bob": 1.5, "eve": 0.5}
    with Gradebook(f"sqlite:///{course.folder / 'gradebook.db'}") as gradebook:
        for student, points in given.items():
            for answer in ASSIGNMENT.written:
                grade = gradebook.find_grade(answer.id, "vae", "vae", student)
                if not grade.needs_manual_grade or (student, answer.id) == ("eve", EVE_UNGRADED):
                    continue
                grade.manual_score = answer.points if points is None else points
                grade.needs_manual_grade = False  # formgrader's GradeHandler.put
        gradebook.find_grade(EVE_OVERRIDDEN.test_cell_id, "vae", "vae", "eve").manual_score = 1.0
        gradebook.db.commit()


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """Run the whole sequence; returns the course, the hits on /ran/ and the probes of eve's two pages."""
    binary = chromium_path()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    root = tmp_path_factory.mktemp("workflow")
    hits: list[str] = []
    http = ThreadingHTTPServer(("127.0.0.1", 0), partial(type("Hits", (_Hits,), {"hits": hits}), directory=root))
    threading.Thread(target=http.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{http.server_address[1]}"
    browser = Chromium(binary)
    try:
        course = Course(root, url)
        commands = instructor_commands()
        assert [c[1] if c[0] == "nbgrader" else c[0] for c in commands] == [
            "db", "generate_assignment", "release_assignment", "collect", "autograde", "jupyter", "generate_feedback",
            "release_feedback", "export", "autograder", "autograder"]
        for module, *args in commands:
            if args[:3] == ["db", "student", "add"] or (module, args[0]) == ("autograder", "grade"):
                for student in STUDENTS:
                    course.instructor(module, _named(args, student))
                continue
            if module == "jupyter":  # Formgrader's Manual Grading
                _grade_by_hand(course)
                continue
            if args[0] == "collect":
                for student in STUDENTS:
                    course.student(student, "fetch_assignment")
                    _work(course, student)
                    course.student(student, "submit")
            course.instructor(module, args)
            if args[0] == "release_feedback":
                for student in STUDENTS:
                    course.student(student, "fetch_feedback")

        (root / "control.html").write_text(f"<title>c</title><img src=x onerror=\"{_run(url, 'control')}\">")
        assert browser.load(f"{url}/control.html", "document.title") == "c" and hits == ["control"], hits
        hits.clear()
        token = uuid.uuid4().hex
        server, base = _start_formgrader(course.folder, course.env("instructor"), token)
        try:
            with Gradebook(f"sqlite:///{course.folder / 'gradebook.db'}") as gradebook:
                submission = gradebook.find_submission_notebook("vae", "vae", "eve").id
            probed = {"formgrader": browser.load(f"{base}/formgrader/submissions/{submission}/?token={token}", PROBE),
                      "feedback": browser.load(f"{url}/course/feedback/eve/vae/vae.html", PROBE)}
        finally:
            server.terminate()
            server.wait(timeout=30)
        time.sleep(2)  # a request sent as a page closed still arrives
        yield course, list(hits), probed
    finally:
        browser.close()
        http.shutdown()


@pytest.mark.slow
def test_the_exchange_carries_the_assignment_and_the_feedback(workflow):
    """Did each submission reach submitted/ and its feedback its student? (Each fetch gave the release: see _work.)"""
    course, _, _ = workflow
    for student in STUDENTS:
        submitted = course.folder / "submitted" / student / "vae" / "vae.ipynb"
        assert submitted.read_bytes() == (course.home(student) / "work" / "vae" / "vae.ipynb").read_bytes()
        fetched = list((course.home(student) / "work" / "vae" / "feedback").glob("*/vae.html"))
        assert len(fetched) == 1
        assert fetched[0].read_bytes() == (course.folder / "feedback" / student / "vae" / "vae.html").read_bytes()
    assert (course.exchange / "vae-course" / "outbound" / "vae" / "vae.ipynb").is_file()


@pytest.mark.slow
def test_no_script_of_hers_ran_in_formgrader_or_on_her_feedback_page(workflow):
    """Loading eve's Formgrader page and her feedback page runs none of her payloads; her answer is still shown."""
    _, hits, probed = workflow
    assert hits == [], f"her scripts ran in the instructor's or her browser: {sorted(set(hits))}"
    for page, found in probed.items():
        assert found["javascript_urls"] == [] and found["iframes"] == 0, f"{page}: {found['answer'][:500]}"
        assert "My answer, with" in found["text"], f"{page}: her answer is not shown"


@pytest.mark.slow
def test_no_canary_grader_path_or_large_write_in_her_folders(workflow):
    """Nothing of the instructor's environment or the grader's files, and nothing her cell would write, reaches eve."""
    course, _, _ = workflow
    folders = [course.folder / kind / "eve" for kind in ("submitted", "autograded", "feedback")]
    folders.append(course.home("eve") / "work")
    secrets = [CANARY, str(REPO_ROOT), "vae-kernel-code-"]
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            assert path.name != BIG_FILE and path.stat().st_size < 20_000_000, f"{path}: {path.stat().st_size} bytes"
            text = path.read_bytes().decode("utf-8", "replace")
            found = [secret for secret in secrets if secret in text]
            assert not found, f"{path} holds {found}"


@pytest.mark.slow
def test_one_total_in_every_store_after_manual_grading(workflow):
    """Do the gradebook, nbgrader's export, results.json and grade-batch's CSV give each student the same total,
    eve's with the points the instructor set for one part instead of the autograder's?"""
    course, _, _ = workflow
    folder = course.folder
    stores: dict[str, dict[str, tuple[float, float]]] = {"gradebook": {}, "results.json": {}}
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            notebook = gradebook.find_submission_notebook("vae", "vae", student)
            stores["gradebook"][student] = (notebook.score, notebook.max_score)
    with (folder / "grades.csv").open() as handle:
        stores["export"] = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(handle)}
    with (folder / "autograder-grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
        stores["grade-batch"] = {r["student"]: (float(r["score"]), float(r["max_score"])) for r in rows}
    for student in STUDENTS:
        results = json.loads((folder / f"{student}.results.json").read_text())
        stores["results.json"][student] = (results["score"], results["max_score"])
        text = (folder / f"{student}.results.json").read_text()
        assert not re.search(r'"(score|max_score)": -?\d+\.0\b', text), "scores written two ways"
    eve = ASSIGNMENT.automatic_points - EVE_OVERRIDDEN.points + 1 + 0.5 * (len(ASSIGNMENT.written) - 1)
    expected = {"alice": ASSIGNMENT.total_points, "bob": 1.5, "eve": eve}
    for store, totals in stores.items():
        assert totals == {s: (expected[s], ASSIGNMENT.total_points) for s in STUDENTS}, f"{store}: {totals}"
    eve_row = next(r for r in rows if r["student"] == "eve")
    assert eve_row[EVE_UNGRADED] == "" and eve_row[ASSIGNMENT.written_ids[0]] == "0.5"
    assert eve_row[EVE_OVERRIDDEN.test_cell_id] == "1" and next(r for r in rows if r["student"] == "alice")[
        EVE_OVERRIDDEN.test_cell_id] == ""
    waiting = [t for t in json.loads((folder / "eve.results.json").read_text())["tests"]
               if t["name"].startswith(f"theory.{EVE_UNGRADED}:")]
    assert len(waiting) == 1 and waiting[0]["score"] == 0
    assert waiting[0]["output"].startswith("Answered, not graded yet")


@pytest.mark.slow
def test_autograde_logs_no_traceback(workflow):
    """Each autograde used to log a PermissionError traceback when its kernel shut down."""
    course, _, _ = workflow
    assert "Traceback" not in course.logs["instructor: autograde"], course.logs["instructor: autograde"][-3000:]


@pytest.mark.slow
def test_the_confined_kernel_shuts_down_without_a_traceback(tmp_path):
    """The confined kernel, started and shut down as nbgrader does, prints no traceback and no standalone banner."""
    from autograder.sandbox.grading_kernel import ConfinedKernelManager

    log = tmp_path / "kernel.log"

    async def start_run_and_stop() -> None:  # the manager is asynchronous, as nbclient drives it
        manager = ConfinedKernelManager(kernel_name="python3")
        with log.open("w") as handle:
            await manager.start_kernel(cwd=str(tmp_path), stdout=handle, stderr=handle)
            client = manager.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=120)
                reply = await client.execute_interactive("print(6 * 7)", timeout=60, output_hook=lambda message: None)
                assert reply["content"]["status"] == "ok"
            finally:
                client.stop_channels()
                await manager.shutdown_kernel(now=False)

    asyncio.run(start_run_and_stop())
    text = log.read_text()
    assert "Traceback" not in text and "Ctrl-C will not work" not in text, text[-3000:]
