"""Nothing a student receives solves a part: a behavioural test of the student bundle.

Every public function of the bundle's Python code is graded as every part it could be called as:
by its name, its parameter names or methods (a candidate for a graded part), and by its arity
(any function whose positional parameters can take a part's arguments), with all of the part's
checks, hidden ones included. A function that takes the part's parameters among others (a
training loop that also takes the loss, say) is graded too behind a thin adapter a student could
write: the part's arguments by name, the objective the grader lends the part for a parameter that
names a loss, a returned list averaged. Every public function is also called as a factory, with a
number for each numeric parameter and a stub (a student's unwritten function) for each callable
one, and whatever callable it returns is graded as every part in turn. None may get a part's full marks.
"""
from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
import zipfile

from autograder.assignment.bundles import build_student_bundle
from autograder.assignment.parts import the_assignment
from variants import REFERENCE, REPO_ROOT
from vae_course.notebook_code import load_definitions

SCAN = textwrap.dedent('''
    import importlib, inspect, json, pkgutil, signal, sys, tempfile, warnings
    from pathlib import Path
    bundle, repo, signatures, only = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    sys.path.insert(0, bundle)
    import autograder
    assert autograder.__file__.startswith(bundle), autograder.__file__
    autograder.__path__.append(repo + "/autograder")  # the hidden checks, which the bundle lacks
    from torch import nn
    from autograder.assignment.graded_checks import load_checks
    from autograder.framework.results import run_check
    from autograder.running.students import LocalStudent

    def parameters(obj):
        try:
            target = obj.__init__ if inspect.isclass(obj) else obj
            return [p for p in inspect.signature(target).parameters if p not in ("self", "args", "kwargs")]
        except (TypeError, ValueError):
            return None

    TENSOR_PARTS = {"reparameterize", "vae_loss", "interpolate", "sample_images"}  # called with tensors and a model only
    # Code that manages processes, audit hooks and files: called with tensors it would test nothing
    # and could lock this very process (confine.install), so only its names are matched.
    MACHINERY = ("confine", "capabilities", "landlock", "seccomp", "audit", "policy", "libc",  # sandbox/confine/
                 "worker", "zygote", "sandbox", "supervisor", "lane", "__main__", "bundles", "course_build",
                 "run_notebook", "nbgrader_grades", "distributed", "trainer", "demo", "checkpoints")

    def adapted(obj, wanted):
        """``obj`` behind the part's signature, or None when a required parameter could not be filled."""
        params = inspect.signature(obj).parameters.values()
        extra = [p.name for p in params if p.name not in wanted and p.default is p.empty
                 and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if not set(wanted) < {p.name for p in params} or any("loss" not in name for name in extra):
            return None

        def part(*args):
            lent = globals().get("vae_loss")  # what the part's probe lends, in the globals of this very function
            returned = obj(**dict(zip(wanted, args)), **{name: lent for name in extra})
            return sum(returned) / len(returned) if isinstance(returned, (list, tuple)) and returned else returned
        return part

    def adaptable(obj):
        return inspect.isfunction(obj) and obj.__module__.rsplit(".", 1)[-1] not in MACHINERY

    def takes(obj, count):
        """Whether ``obj`` can be called with ``count`` positional arguments."""
        try:
            params = list(inspect.signature(obj).parameters.values())
        except (TypeError, ValueError):
            return False
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            return True
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in params if p.default is p.empty and p.kind != p.VAR_KEYWORD]
        return len(required) <= count <= len(positional) and all(p in positional for p in required)

    def parts_for(name, obj):
        params = parameters(obj)
        parts = {part for part, wanted in signatures.items() if name == part or (params is not None and params == wanted)
                 or (adaptable(obj) and adapted(obj, wanted) is not None)}
        if adaptable(obj):  # any part whose arguments it can take, whatever the names
            parts |= {part for part, wanted in signatures.items() if takes(obj, len(wanted))}
        if inspect.isclass(obj) and issubclass(obj, nn.Module) and hasattr(obj, "encode") and hasattr(obj, "decode"):
            parts |= {"ConvVAE", "VAE"}
        return parts

    def stub(*args, **kwargs):
        """A student's function not written yet: what a factory that takes the student's function receives."""
        raise NotImplementedError

    def made_by(obj):
        """What ``obj`` returns called as a factory (numbers and stubs for its required parameters), or None."""
        values = {}
        for p in inspect.signature(obj).parameters.values():
            if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            kind = str(p.annotation)
            if "float" in kind or "int" in kind:
                values[p.name] = 1.0 if "float" in kind else 1
            elif "Callable" in kind or "Fn" in kind or p.name.endswith(("_fn", "loss", "epoch", "images", "model")):
                values[p.name] = stub
            else:
                return None
        signal.alarm(20)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                made = obj(**values)
        except Exception:
            return None
        finally:
            signal.alarm(0)
        return made if inspect.isfunction(made) else None

    candidates, functions = {}, []
    for package in ("autograder", "vae_course"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages([bundle + "/" + package], package + "."):
            if info.name.startswith("autograder.hidden") or not info.name.startswith(only):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(info.name)
            assert module.__file__.startswith(bundle), module.__file__
            for name, obj in vars(module).items():
                if adaptable(obj) and obj.__module__ == info.name and not name.startswith("_"):
                    functions.append((info.name, name))
                if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == info.name:
                    for part in parts_for(name, obj):
                        candidates.setdefault(f"{info.name}.{name}", set()).add(part)
    made = {}  # what public functions return as factories: graded like public functions
    for qualified in sorted(f"{module}.{name}" for module, name in functions):
        module, name = qualified.rsplit(".", 1)
        product = made_by(vars(importlib.import_module(module))[name])
        if product is not None:
            made[f"{qualified}(...)"] = product
            parts = {part for part, wanted in signatures.items() if takes(product, len(wanted))}
            if parts:
                candidates[f"{qualified}(...)"] = parts
    checks = sorted(load_checks(), key=lambda c: c.hidden)  # the public checks first: most candidates fail one

    def out_of_time(signum, frame):
        raise TimeoutError("a candidate ran past its time")

    signal.signal(signal.SIGALRM, out_of_time)

    def passes(check, student, part):
        """Whether ``check`` gives full points; a check that runs past 60 s gives none."""
        signal.alarm(60)
        try:
            result = run_check(check, student, {part}, {})
        finally:
            signal.alarm(0)
        return result.score == result.points

    solved = []
    for qualified, parts in sorted(candidates.items()):
        if qualified in made:
            obj = made[qualified]
        else:
            obj = vars(importlib.import_module(qualified.rsplit(".", 1)[0]))[qualified.rsplit(".", 1)[1]]
        for part in sorted(parts):
            wrapped = adapted(obj, signatures[part]) if adaptable(obj) else None
            for label, graded in ((qualified, obj), (f"{qualified} (adapted)", wrapped)):
                if graded is None:
                    continue
                with tempfile.TemporaryDirectory() as folder:
                    student = LocalStudent({part: graded}, Path(folder))
                    if all(passes(c, student, part) for c in checks if c.part == part):  # stops at the first failure
                        solved.append(f"{label} solves {part}")
    print(json.dumps({"candidates": {k: sorted(v) for k, v in candidates.items()}, "made": sorted(made),
                      "solved": solved}))
''')


def _graded_signatures() -> dict[str, list[str]]:
    """Each part's parameter names, from the reference solution."""
    reference = load_definitions(REFERENCE)
    signatures = {}
    for part in the_assignment().part_names:
        target = reference[part].__init__ if inspect.isclass(reference[part]) else reference[part]
        signatures[part] = [p for p in inspect.signature(target).parameters if p != "self"]
    return signatures


def _scan(bundle_dir, tmp_path, only: str = "") -> dict:
    """Candidates and what they solve, among the bundle's modules whose names start with ``only``."""
    done = subprocess.run([sys.executable, "-c", SCAN, str(bundle_dir), str(REPO_ROOT), json.dumps(_graded_signatures()), only],
                          capture_output=True, text=True, cwd=tmp_path, timeout=900, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_code_in_the_student_bundle_solves_a_part(tmp_path):
    """Graded as the part its signature names, does every function and class of the student bundle lose points?"""
    with zipfile.ZipFile(build_student_bundle(tmp_path / "student.zip")) as archive:
        archive.extractall(tmp_path / "unpacked")
    found = _scan(tmp_path / "unpacked" / "vae-course", tmp_path)
    assert found["candidates"], "the scan found nothing to grade: it would not notice a leak either"
    assert not found["solved"], found["solved"]


def test_the_leak_test_would_catch_a_leak(tmp_path):
    """With the reference vae_loss, a training loop that takes the loss and a factory of the loss planted in a copy of
    the bundle, does the scan report all three (the loop behind the adapter a student could write, the factory's loss)?"""
    with zipfile.ZipFile(build_student_bundle(tmp_path / "student.zip")) as archive:
        archive.extractall(tmp_path / "unpacked")
    bundle = tmp_path / "unpacked" / "vae-course"
    (bundle / "vae_course" / "planted.py").write_text(
        "import torch\nimport torch.nn.functional as F\n\n\n"
        "def elbo(recon_x, x, mu, logvar):\n"
        "    bce = F.binary_cross_entropy(recon_x, x, reduction='sum')\n"
        "    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n\n\n"
        "def run_epoch(model, loader, loss_fn, optimizer, device, max_steps=None):\n"
        "    model.train()\n"
        "    losses = []\n"
        "    for batch in loader:\n"
        "        x = (batch[0] if isinstance(batch, (list, tuple)) else batch).to(device)\n"
        "        x_hat, mu, logvar = model(x)\n"
        "        loss = loss_fn(x_hat, x, mu, logvar)\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        losses.append(loss.item() / len(x))\n"
        "    return losses\n\n\n"
        "def weighted(beta: float):\n"
        "    def loss(recon_x, x, mu, logvar):\n"
        "        bce = F.binary_cross_entropy(recon_x, x, reduction='sum')\n"
        "        return bce - beta * 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n"
        "    return loss\n")
    assert _scan(bundle, tmp_path, only="vae_course.planted")["solved"] == [
        "vae_course.planted.elbo solves vae_loss", "vae_course.planted.run_epoch (adapted) solves train_epoch",
        "vae_course.planted.weighted(...) solves vae_loss"]
