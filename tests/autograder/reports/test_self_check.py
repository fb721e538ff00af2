"""The notebook self-check: what it tells a student, and that it runs on any operating system."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from autograder.assignment.parts import the_assignment
from autograder.assignment.graded_checks import load_checks
from autograder.self_check import SelfCheckFailed, self_check
from variants import REFERENCE, REPO_ROOT

POSIX_ONLY = ("pwd", "grp", "resource", "fcntl", "termios", "tty", "pty", "posix", "_posixsubprocess", "syslog",
              "crypt", "spwd", "nis")
PARTS = the_assignment().part_names


def test_self_check_names_the_hidden_checks_and_their_points_only(reference, capsys):
    """Does a full public score say which hidden checks grading adds, without their questions?"""
    self_check("vae_loss", dict(reference))
    out = capsys.readouterr().out
    assert "public checks of vae_loss: 5/5 points, of 9 for this part." in out
    for check_id, points in the_assignment().hidden_checks["vae_loss"]:
        assert f"{check_id} ({points:g})" in out
    for check in load_checks():
        if check.hidden:
            assert check.question not in out and check.feedback not in out


FINDER = '''
import importlib.abc, sys, traceback
REPO = {repo!r}
class RefusePosixOnly(importlib.abc.MetaPathFinder):
    """Windows has none of these: refuse them to the repository's own code, as Windows would."""
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {posix_only!r}:
            for frame in reversed(traceback.extract_stack()[:-1]):
                if "importlib" in frame.filename:
                    continue
                if frame.filename.startswith(REPO) and "/tests/" not in frame.filename:
                    raise ModuleNotFoundError(f"No module named {{name!r}} (imported by {{frame.filename}})")
                break
        return None
sys.meta_path.insert(0, RefusePosixOnly())
'''


def test_setup_cell_and_self_checks_import_nothing_posix_only(tmp_path):
    """With POSIX-only modules refused to the repository's code, do the setup cell and every self-check still run?"""
    script = FINDER.format(repo=str(REPO_ROOT), posix_only=POSIX_ONLY) + textwrap.dedent(f'''
        from autograder.self_check import self_check
        from vae_course.notebook_code import load_definitions
        namespace = load_definitions({str(REFERENCE)!r})  # runs the setup cell's imports
        for part in {PARTS!r}:
            self_check(part, namespace)
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for part in PARTS:
        assert f"public checks of {part}:" in done.stdout
    assert "FAIL" not in done.stdout, done.stdout


def test_the_finder_refuses_what_it_should(tmp_path):
    """Would the simulation notice the sandbox's POSIX-only imports, so that its silence means something?"""
    script = FINDER.format(repo=str(REPO_ROOT), posix_only=POSIX_ONLY) + "import autograder.sandbox.process\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode != 0 and "No module named" in done.stderr


def test_self_check_runs_where_posix_only_modules_are_absent(tmp_path):
    """With the POSIX-only modules missing from sys.modules (as on Windows), does a self-check import and run, and
    leave nothing in the student's folder (hypothesis's cache would be collected with her notebook)?"""
    script = textwrap.dedent(f'''
        import sys
        for name in {POSIX_ONLY!r}:
            if name not in ("posix", "_posixsubprocess"):  # os and subprocess stand on these here, as on nt elsewhere
                sys.modules[name] = None  # "import name" now raises ImportError, whoever imports it
        from autograder.self_check import self_check
        from vae_course.notebook_code import load_definitions
        self_check("reparameterize", load_definitions({str(REFERENCE)!r}))
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "public checks of reparameterize: 4/4 points" in done.stdout, done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_error_in_the_students_code_names_their_line(capsys):
    """When the student's reparameterize raises, does the self-check name the line in their cell?"""
    namespace: dict = {}
    source = "import torch\n\ndef reparameterize(mu, logvar):\n    std = torch.exp(0.5 * logvar)\n    return mu + std @ mu.T\n"
    exec(compile(source, "/tmp/ipykernel_4242/1234567.py", "exec"), namespace)  # a cell as Jupyter names it
    self_check("reparameterize", namespace)
    out = capsys.readouterr().out
    assert "Your code raised RuntimeError" in out and "(line 5, in reparameterize)" in out, out


def test_messages_have_no_template_leftovers(capsys):
    """Does a shape failure of VAE read as a sentence, with no empty braces or placeholders?"""
    namespace: dict = {}
    exec(compile(textwrap.dedent('''
        import torch
        from torch import nn

        class VAE(nn.Module):
            def __init__(self, image_shape=(1, 28, 28), hidden_dim=400, latent_dim=20):
                super().__init__()
                pixels = image_shape[0] * image_shape[1] * image_shape[2]
                self.latent_dim = latent_dim
                self.fc1, self.fc21, self.fc22 = nn.Linear(pixels, hidden_dim), nn.Linear(hidden_dim, latent_dim), nn.Linear(hidden_dim, latent_dim)
                self.fc3, self.fc4 = nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, pixels)
            def encode(self, x):
                h = torch.relu(self.fc1(x.flatten(1)))
                return self.fc21(h), self.fc22(h)
            def decode(self, z):
                return torch.sigmoid(self.fc4(torch.relu(self.fc3(z))))  # flat: never reshaped to the images' shape
            def forward(self, x):
                mu, logvar = self.encode(x)
                return self.decode(mu), mu, logvar
    '''), "/tmp/ipykernel_4242/7.py", "exec"), namespace)
    self_check("VAE", namespace)
    out = capsys.readouterr().out
    assert "decode's output has shape (1, 784), expected (1, 1, 28, 28)" in out, out
    assert "{}" not in out


def test_a_failed_self_check_raises_only_under_nbgrader_validate(monkeypatch, capsys, reference):
    """Does nbgrader validate see a failing part as an error, while a student's Run All goes on past it?"""
    namespace: dict = {}
    exec(compile("import torch\n\ndef reparameterize(mu, logvar):\n    return mu\n", "/tmp/ipykernel_4242/9.py", "exec"),
         namespace)
    monkeypatch.delenv("NBGRADER_VALIDATING", raising=False)
    self_check("reparameterize", namespace)
    assert "FAIL" in capsys.readouterr().out
    monkeypatch.setenv("NBGRADER_VALIDATING", "1")
    with pytest.raises(SelfCheckFailed, match="of reparameterize failed"):
        self_check("reparameterize", namespace)
    self_check("reparameterize", dict(reference))  # a passing part raises nothing, even under validate
