"""Does every hostile or broken submission get a complete, honest report in time, leaving the grader unharmed?

Each entry of ``hostile.ENTRIES`` is graded through the real sandbox by ``grade_one.py`` in a
process of its own (the grader), with a short time limit per check. This test process becomes a
child subreaper, so any process that a submission leaves behind, even one that started a new
session, ends up as its child and is seen.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from autograder.guard import available_layers
from autograder.sandbox import Limits
from hostile import ENTRIES, HIDDEN, TASKS, Entry, Targets
from variants import REFERENCE, REPO_ROOT

pytestmark = pytest.mark.slow

CHECK_SECONDS = 3.0
BASE_SECONDS = 30.0  # starting, loading, and every check that answers at once
RESTART_SECONDS = 8.0  # a fresh worker after one was killed or died
MESSAGE_CHARS = 2000  # longer feedback for one check is not feedback any more
RUNNER = Path(__file__).with_name("grade_one.py")
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Graded:
    """What the grader's process did with one submission."""

    returncode: int
    stderr: str
    seconds: float  # wall time of the whole grader process
    summary: dict  # what grade_one.py printed: results, checks, seconds
    results_file: str  # results.json as it is afterwards


def _grade(notebook: Path, results: Path, tmp: Path, limit: float) -> Graded:
    tmp.mkdir()
    results.parent.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    started = time.monotonic()
    process = subprocess.run([sys.executable, str(RUNNER), str(notebook), "--results", str(results),
                              "--check-seconds", str(CHECK_SECONDS), "--tmp", str(tmp)],
                             capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=limit + 60)
    seconds = time.monotonic() - started
    lines = process.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if process.returncode == 0 and lines else {}
    return Graded(process.returncode, process.stderr[-3000:], seconds, summary,
                  results.read_text() if results.exists() else "")


def _snapshot(paths: list[Path]) -> dict[str, tuple]:
    """Contents, modes and extended attributes: anything an attack could change."""
    state = {}
    for path in paths:
        info = os.lstat(path)
        data = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        state[str(path)] = (data, info.st_mode, info.st_mtime_ns, sorted(os.listxattr(path, follow_symlinks=False)))
    return state


def _repo_files() -> list[Path]:
    return sorted((REPO_ROOT / "autograder").rglob("*.py")) + [REFERENCE]


def _hidden_lines() -> set[str]:
    """Lines of the hidden checks that appear nowhere public: feedback must never contain one."""
    public = "\n".join(p.read_text() for p in (REPO_ROOT / "autograder").rglob("*.py") if HIDDEN not in p.parents)
    return {line.strip() for path in HIDDEN.glob("*.py") for line in path.read_text().splitlines()
            if len(line.strip()) >= 30 and line.strip() not in public}


@pytest.fixture(scope="module")
def subreaper():
    """Orphans of the grader and its worker become this process's children while the corpus runs."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, os.strerror(ctypes.get_errno())
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _strays() -> list[str]:
    """Processes left behind (this test's descendants), killed and reaped so the next entry starts clean."""
    children = psutil.Process().children(recursive=True)
    found = []
    for child in children:
        try:
            found.append(f"{child.pid} {child.status()} {' '.join(child.cmdline())[:120]}")
            child.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(children, timeout=5)
    return found


def _run(entry_build, name: str, tmp_path: Path, limit: float) -> tuple[Graded, Targets, dict, dict]:
    """Build the submission, grade it, and return what changed around the grader."""
    targets = Targets(canary_dir=tmp_path / "outside", results=tmp_path / "results" / "results.json",
                      marker=tmp_path / "marker")
    targets.canary_dir.mkdir()
    targets.canary.write_text(f"canary for {name}: {os.urandom(8).hex()}\n")
    notebook = tmp_path / "submission" / "vae.ipynb"
    notebook.parent.mkdir()
    notebook.write_bytes(entry_build(targets))
    watched = lambda: _snapshot(sorted(targets.canary_dir.iterdir()) + [targets.canary_dir, notebook] + _repo_files())
    before = watched()
    graded = _grade(notebook, targets.results, tmp_path / "grader-tmp", limit)
    time.sleep(0.3)  # for anything a submission left running to show itself
    return graded, targets, before, watched()


@pytest.fixture(scope="module")
def baseline(subreaper, tmp_path_factory) -> Graded:
    """The reference solution, graded the same way: what each honest part earns."""
    graded, _, _, _ = _run(lambda targets: REFERENCE.read_bytes(), "reference",
                           tmp_path_factory.mktemp("reference"), BASE_SECONDS)
    assert graded.returncode == 0, graded.stderr
    return graded


def _limit(entry: Entry) -> float:
    return (BASE_SECONDS + entry.restarts * RESTART_SECONDS + entry.hangs * CHECK_SECONDS
            + entry.load_hangs * Limits().statement_seconds)


def test_reference_earns_every_point_with_the_short_time_limit(baseline):
    """Does the reference get full marks when each check has only a few seconds (so the corpus's limits are fair)?"""
    results = baseline.summary["results"]
    assert results["score"] == results["max_score"] > 0
    assert {c["task"] for c in baseline.summary["checks"]} == set(TASKS)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_hostile_submission(entry: Entry, baseline, subreaper, tmp_path):
    """Does grading it end in time with a valid, honest report, and leave the grader and its files unharmed?"""
    missing = set(entry.needs) - available_layers()
    if missing:
        pytest.skip(f"this kernel lacks {', '.join(sorted(missing))}, without which the grader cannot stop it")
    graded, targets, before, after = _run(entry.build, entry.name, tmp_path, _limit(entry))
    strays = _strays()

    # The grader is unharmed: it finished, its files and folders are as they were, nothing lingers.
    assert graded.returncode == 0, f"the grader failed ({graded.returncode}): {graded.stderr}"
    assert not strays, f"processes left behind: {strays}"
    assert after == before, "files outside the worker's folder changed"
    assert not targets.marker.exists(), f"an attack got through: {targets.marker.read_text()!r}"
    assert not list((tmp_path / "grader-tmp").glob("vae-grade-*")), "the worker's folders were left behind"
    results = graded.summary["results"]
    assert json.loads(graded.results_file) == results, "results.json is not what the grader wrote"

    # In time.
    assert graded.seconds <= _limit(entry), f"took {graded.seconds:.1f} s"
    slow = [(c["id"], round(c["seconds"], 1)) for c in graded.summary["checks"]
            if c["seconds"] > CHECK_SECONDS + RESTART_SECONDS]
    assert not slow, f"checks ran past their limit: {slow}"

    # A valid report: every check once, scores within their points, feedback of a readable size.
    expected = baseline.summary["results"]
    assert json.loads(json.dumps(results)) == results
    graded_names = lambda tests: [t["name"] for t in tests if t["max_score"]]
    assert graded_names(results["tests"]) == graded_names(expected["tests"])
    assert all(0 <= t["score"] <= t["max_score"] for t in results["tests"])
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert results["max_score"] == expected["max_score"]
    long = [t["name"] for t in results["tests"] if len(t["output"]) > MESSAGE_CHARS]
    assert not long, f"feedback too long for {long}"
    visible = "\n".join([results["output"]] + [t["output"] for t in results["tests"] if t["visibility"] == "visible"])
    leaked = [line for line in _hidden_lines() if line in visible]
    assert not leaked, f"the feedback shows hidden checks: {leaked[:3]}"

    # Honest: sabotaged parts earn nothing, the other parts what the reference earns (never more).
    honest = {c["id"]: c["score"] for c in baseline.summary["checks"]}
    earned = {c["id"]: (c["task"], c["score"]) for c in graded.summary["checks"]}
    gained = [i for i, (task, score) in earned.items() if task in entry.sabotages and score > 0]
    assert not gained, f"sabotaged parts earned points: {gained}"
    lost_points = sum(c["points"] for c in baseline.summary["checks"] if c["task"] in entry.sabotages)
    assert results["score"] <= expected["score"] - lost_points
    if not entry.collateral:
        changed = [i for i, (task, score) in earned.items() if task not in entry.sabotages and score != honest[i]]
        assert not changed, f"parts the submission did not attack changed score: {changed}"
