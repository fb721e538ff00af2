"""Does anything a student writes run in Formgrader or on her feedback page, in a real browser?

The real nbgrader, with this repository's nbgrader_config.py, autogrades and generates feedback for
two submissions of a small assignment: a hostile one (raw HTML and scripts in her written answer, an
added Markdown cell and a raw cell, and HTML, JavaScript, Markdown, SVG and image outputs built to run
script) and a benign one (Markdown formatting and a PNG figure). The real Formgrader (``jupyter
server`` with nbgrader's extension) serves the submission pages, and a headless Chromium loads them and
the feedback pages. Each payload, if it ran, would request ``/ran/<payload>`` from an HTTP server of
this test; a probe in the page also looks for ``javascript:`` URLs and checks the figures loaded.
"""
from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from nbgrader.api import Gradebook
from PIL import Image

from course_tools.course_build import REPO_ROOT
from headless_chromium import Chromium, chromium_path  # beside this file (pytest puts its folder on sys.path)

ASSIGNMENT = "safety"
RAN = "/ran/"

# What the page shows, and what in it could still run: URLs whose scheme is javascript:, frames.
PROBE = """(() => {
  const javascriptUrls = [];
  for (const element of document.querySelectorAll('*')) {
    for (const name of ['href', 'src', 'action', 'formaction', 'xlink:href', 'data']) {
      const value = element.getAttribute(name);
      if (value === null) continue;
      let url = null;
      try { url = new URL(value, document.baseURI); } catch (e) {}
      if (url && url.protocol === 'javascript:') javascriptUrls.push(element.outerHTML.slice(0, 200));
    }
  }
  const pngs = [...document.images].filter(i => i.src.startsWith('data:image/png'));
  const answer = [...document.querySelectorAll('.rendered_html')].map(e => e.innerHTML).join('\\n');
  return {title: document.title, javascript_urls: javascriptUrls, iframes: document.querySelectorAll('iframe').length,
          png_widths: pngs.map(i => i.naturalWidth), text: document.body.innerText, answer: answer,
          strong: document.querySelectorAll('.rendered_html strong').length,
          list_items: document.querySelectorAll('.rendered_html li').length};
})()"""

# The page after MathJax (if any loads) has typeset it: PROBE's findings and how many elements MathJax made.
MATH_PROBE = """(async () => {
  for (let i = 0; i < 150 && !(window.MathJax && window.MathJax.isReady); i++) await new Promise(r => setTimeout(r, 100));
  if (window.MathJax && window.MathJax.isReady) await new Promise(r => window.MathJax.Hub.Queue(r));
  return Object.assign(%s, {math: document.querySelectorAll('.MathJax, .MathJax_Display, mjx-container').length});
})()""" % PROBE
RUBRIC_TEX = "$D_{KL}(q \\,\\|\\, p)$"  # an instructor's rubric cell, locked, on every page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Hits(SimpleHTTPRequestHandler):
    """Serves the course folder (the feedback pages) and records every request under /ran/."""

    hits: list[str]

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        if self.path.startswith(RAN):
            self.hits.append(self.path[len(RAN):])
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
        else:
            super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 40, 40)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _run(url: str, name: str, quote: str = "`") -> str:
    """JavaScript that requests /ran/<name>: it reaches the test's server only if it runs."""
    return f"fetch({quote}{url}{RAN}{name}{quote})"


def _nbgrader_cell(cell, **nbgrader) -> nbformat.NotebookNode:
    cell.metadata["nbgrader"] = {"grade": False, "locked": False, "schema_version": 3, "solution": False,
                                 "task": False, **nbgrader}
    return cell


def _source_notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        _nbgrader_cell(new_markdown_cell("**Question 1 (2 points).** What does the figure show?"),
                       grade_id="answer_question", locked=True),
        _nbgrader_cell(new_markdown_cell("It shows a red rectangle."), grade_id="answer", grade=True,
                       solution=True, points=2),
        new_code_cell("print('make the figure here')"),
        _nbgrader_cell(new_markdown_cell(f"Rubric: full marks name the divergence {RUBRIC_TEX}."),
                       grade_id="rubric", locked=True),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _hostile(released: nbformat.NotebookNode, url: str) -> nbformat.NotebookNode:
    """Scripts in every place a student controls, each in the form that ran before the fix."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(released)))
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' onload=\"{_run(url, 'svg_output_onload')}\">"
           f"<script>{_run(url, 'svg_output_script')}</script></svg>")
    nb.cells[1].source = "\n".join([
        "My answer, with **bold** in it.",
        f"<script>{_run(url, 'answer_script')}</script>",
        f"<img src=x onerror=\"{_run(url, 'answer_onerror')}\">",
        f"<svg onload=\"{_run(url, 'answer_svg_onload')}\"><script>{_run(url, 'answer_svg_script')}</script></svg>",
        f"<iframe srcdoc=\"<script>{_run(url, 'answer_iframe')}</script>\"></iframe>",
        f"<details open ontoggle=\"{_run(url, 'answer_ontoggle')}\"><summary>more</summary>x</details>",
        "",
        f"[a link](javascript:{_run(url, 'answer_javascript_url', quote=chr(39))}) and ![figure](attachment:evil.svg)",
    ])
    nb.cells[1].attachments = {"evil.svg": {"image/svg+xml": base64.b64encode(svg.encode()).decode()}}
    html_img, isolated = (f"<img src=x onerror=\"{_run(url, 'html_output')}\">",
                          f"<script>{_run(url, 'isolated_html_output')}</script>")
    markdown_img, script = (f"<img src=x onerror=\"{_run(url, 'markdown_output')}\">",
                            _run(url, "javascript_output"))
    width, printed, png = "1 onload=" + _run(url, "png_width"), f"<script>{_run(url, 'stream_output')}</script>", _png()
    code = "\n".join([  # makes the outputs below again if nbgrader re-executes the notebook
        "import base64",
        "from IPython.display import HTML, SVG, Image, Javascript, Markdown, display",
        f"display(HTML({html_img!r}))",
        f"display(HTML({isolated!r}), metadata={{'text/html': {{'isolated': True}}}})",
        f"display(Javascript({script!r}))",
        f"display(Markdown({markdown_img!r}))",
        f"display(SVG({svg!r}))",
        f"display(Image(data=base64.b64decode({png!r}), metadata={{'width': {width!r}}}))",
        f"print({printed!r})",
    ])
    nb.cells[2] = new_code_cell(code, execution_count=1, outputs=[
        new_output("display_data", data={"text/html": html_img}),
        new_output("display_data", data={"text/html": isolated}, metadata={"text/html": {"isolated": True}}),
        new_output("display_data", data={"application/javascript": script}),
        new_output("display_data", data={"text/markdown": markdown_img}),
        new_output("display_data", data={"image/svg+xml": svg}),
        new_output("display_data", data={"image/png": png}, metadata={"image/png": {"width": width}}),
        new_output("stream", name="stdout", text=printed + "\n"),
    ])
    nb.cells.append(new_markdown_cell(f"An added cell <img src=x onerror=\"{_run(url, 'added_markdown_cell')}\">"))
    nb.cells.append(new_raw_cell(f"<script>{_run(url, 'raw_cell')}</script>",
                                 metadata={"raw_mimetype": "text/html"}))
    return nb


def _benign(released: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(nbformat.writes(released)))
    nb.cells[1].source = "It is **a red rectangle**, *wider* than tall:\n\n- 48 pixels wide\n- 32 pixels tall\n"
    code = f"from IPython.display import Image, display\ndisplay(Image(data=base64.b64decode({_png()!r})))"
    nb.cells[2] = new_code_cell("import base64\n" + code, execution_count=1, outputs=[
        new_output("display_data", data={"image/png": _png(), "text/plain": "<IPython.core.display.Image object>"})])
    return nb


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _nbgrader(course: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def _start_formgrader(course: Path, env: dict[str, str], token: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    log = (course.parent / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", "--allow-root", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={course}"], cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/formgrader?token={token}", timeout=5) as reply:
                assert reply.status == 200
                return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(f"formgrader did not start:\n{(course.parent / 'server.log').read_text()}")
            time.sleep(1)


@pytest.fixture(scope="module")
def browser():
    binary = chromium_path()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium chromium-driver)")
        pytest.skip("chromium is not installed (apt-get install chromium chromium-driver)")
    chromium = Chromium(binary)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory, browser):
    """Every page of both submissions, probed: (hits on /ran/, {(student, page): probe result})."""
    home = tmp_path_factory.mktemp("inert")
    course = home / "course"
    (course / "solutions" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    nbformat.write(_source_notebook(), course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    env = _env(home)

    hits: list[str] = []
    http = ThreadingHTTPServer(("127.0.0.1", 0), partial(type("Hits", (_Hits,), {"hits": hits}), directory=course))
    threading.Thread(target=http.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{http.server_address[1]}"
    try:
        (course / "control.html").write_text(f"<title>c</title><img src=x onerror=\"{_run(url, 'control')}\">")
        control = browser.load(f"{url}/control.html", "document.title")  # the detector works here
        assert control == "c" and hits == ["control"], f"a payload that runs must be seen: {hits}"
        hits.clear()

        _nbgrader(course, env, "db", "assignment", "add", ASSIGNMENT)
        _nbgrader(course, env, "generate_assignment", ASSIGNMENT, "--CourseDirectory.release_directory=release")
        released = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        for student, nb in (("hostile", _hostile(released, url)), ("benign", _benign(released))):
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
        _nbgrader(course, env, "autograde", ASSIGNMENT)
        _nbgrader(course, env, "generate_feedback", ASSIGNMENT)

        token = base64.b16encode(os.urandom(16)).decode()
        server, base = _start_formgrader(course, env, token)
        try:
            probed = {}
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
                ids = {student: gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).id
                       for student in ("hostile", "benign")}
            for student, submission_id in ids.items():
                probed[student, "formgrader"] = browser.load(
                    f"{base}/formgrader/submissions/{submission_id}/?token={token}", PROBE)
                probed[student, "feedback"] = browser.load(
                    f"{url}/feedback/{student}/{ASSIGNMENT}/{ASSIGNMENT}.html", PROBE)
            for page, page_url in (  # the benign pages again, for their math, and the requests they send
                    ("formgrader", f"{base}/formgrader/submissions/{ids['benign']}/?token={token}"),
                    ("feedback through Jupyter", f"{base}/files/feedback/benign/{ASSIGNMENT}/{ASSIGNMENT}.html"
                                                 f"?token={token}"),
                    ("feedback from another server", f"{url}/feedback/benign/{ASSIGNMENT}/{ASSIGNMENT}.html")):
                requests: list[str] = []
                probed["math", page] = browser.load(page_url, MATH_PROBE, requests=requests)
                probed["math", page]["requests"] = requests
        finally:
            server.terminate()
            server.wait(timeout=30)
        time.sleep(2)  # a request sent as a page closed still arrives
        return list(hits), probed
    finally:
        http.shutdown()


@pytest.mark.slow
def test_no_script_of_a_hostile_student_runs_in_formgrader_or_her_feedback(pages):
    """Loading her Formgrader page and her feedback page runs none of her payloads and leaves no javascript: URL."""
    hits, probed = pages
    assert hits == [], f"the student's scripts ran in the instructor's or student's browser: {sorted(set(hits))}"
    for page in ("formgrader", "feedback"):
        found = probed["hostile", page]
        assert found["javascript_urls"] == [], f"{page}: javascript: URLs {found['javascript_urls']}"
        assert found["iframes"] == 0, f"{page}: the student's iframes: {found['answer']}"
        assert "My answer, with" in found["text"] and found["strong"] >= 1, f"{page}: her answer is not shown"
        assert "onerror" in found["text"], f"{page}: her markup is shown as text, not deleted without a trace"


@pytest.mark.slow
def test_a_benign_submissions_figure_and_formatting_still_show(pages):
    """The benign student's PNG figure loads (naturalWidth > 0) and her Markdown keeps its bold and its list."""
    _, probed = pages
    for page in ("formgrader", "feedback"):
        found = probed["benign", page]
        assert found["png_widths"] == [48], f"{page}: PNG figures {found['png_widths']}"
        assert found["strong"] >= 1 and found["list_items"] >= 2, f"{page}: Markdown lost: {found['answer']}"
        assert "a red rectangle" in found["text"]


@pytest.mark.slow
def test_rubric_math_is_typeset_from_the_jupyter_server_alone(pages):
    """Formgrader's page and a feedback page that Jupyter serves typeset the rubric's LaTeX with the MathJax of
    jupyter-server-mathjax (nbgrader's pages would load it from a CDN: raw LaTeX offline), and every request they
    send goes to this machine; a feedback page from any other server (or a file) shows the LaTeX as typed."""
    _, probed = pages
    local = ("http://127.0.0.1:", "data:")
    for page in ("formgrader", "feedback through Jupyter", "feedback from another server"):
        found = probed["math", page]
        assert [r for r in found["requests"] if not r.startswith(local)] == [], f"{page}: left the machine"
        if page == "feedback from another server":
            assert found["math"] == 0 and "D_{KL}" in found["text"], f"{page}: {found['math']} MathJax elements"
        else:
            assert any("/static/jupyter_server_mathjax/MathJax.js" in r for r in found["requests"]), page
            assert found["math"] >= 1 and "D_{KL}" not in found["text"], f"{page}: the rubric's LaTeX is raw"
