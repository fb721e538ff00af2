"""Does every hostile or broken submission get a complete, honest report in time, leaving the grader unharmed?

Each entry of ``hostile.ENTRIES``, and the reference solution (what each honest part earns), is
graded through the real sandbox by a grader process (``grading_service.py``) with a short time
limit per check. Two graders work at once, each grading one submission after another as a batch
grader would; then one test per entry checks what its grading did.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from autograder.assignment.parts import the_assignment
from autograder.sandbox.confine import available_layers
from autograder.sandbox.process import Limits
from hostile import ENTRIES, HIDDEN, TASKS, Entry, Targets
from variants import REFERENCE, REPO_ROOT

pytestmark = pytest.mark.slow

CHECK_SECONDS = 3.0
BASE_SECONDS = 30.0  # at least: starting, loading, and every check that answers at once
RESTART_SECONDS = 10.0  # at least: a fresh worker after one was killed or died
MESSAGE_CHARS = 2000  # longer feedback for one check is not feedback any more
PARALLEL = 2
SERVICE = Path(__file__).with_name("grading_service.py")
PR_SET_CHILD_SUBREAPER = 36
TOTALS = the_assignment()
REFERENCE_ENTRY = Entry("reference", "the reference solution", lambda targets: REFERENCE.read_bytes())


@dataclass(frozen=True)
class Outcome:
    """One grading: what the grader's process reported, and what changed around it."""

    failure: str | None  # the grader died or hung: how, and the end of its log
    seconds: float  # from the request to the grader's answer
    summary: dict  # the grader's answer: results, checks, seconds, leftovers
    results_file: str  # results.json as it is afterwards
    marker: str | None  # what an attack that got through wrote, if one did
    changed: list[str]  # files outside the worker's folder that changed
    worker_folders: list[str]  # the worker's folders still there afterwards


def _snapshot(paths: list[Path]) -> dict[str, tuple]:
    """Contents, modes and extended attributes: anything an attack could change."""
    state = {}
    for path in paths:
        info = os.lstat(path)
        data = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        state[str(path)] = (data, info.st_mode, info.st_mtime_ns, sorted(os.listxattr(path, follow_symlinks=False)))
    return state


def _repo_files() -> list[Path]:
    """The repository's files that attacks aim at (the hidden checks, the confinement) and the reference."""
    return sorted(HIDDEN.glob("*.py")) + sorted((REPO_ROOT / "autograder" / "sandbox" / "confine").glob("*.py")) + [
        REFERENCE]


def _hidden_lines() -> set[str]:
    """Lines of the hidden checks (and their docstrings without the quotes: the questions a process that imported
    them holds) that appear nowhere public: feedback must never contain one."""
    public = "\n".join(p.read_text() for p in (REPO_ROOT / "autograder").rglob("*.py") if HIDDEN not in p.parents)
    lines = {text for path in HIDDEN.glob("*.py") for line in path.read_text().splitlines()
             for text in {line.strip(), line.strip().strip('"')}}
    return {line for line in lines if len(line) >= 30 and line not in public}


@dataclass(frozen=True)
class Budget:
    """How long a grading may take: on a busy machine everything is slower, so the reference's own
    grading, in the same run, scales the base and the cost of a restart."""

    base: float = BASE_SECONDS
    restart: float = RESTART_SECONDS

    @classmethod
    def after(cls, reference: Outcome) -> Budget:
        return cls(max(BASE_SECONDS, 2 * reference.seconds), max(RESTART_SECONDS, reference.seconds))

    def grading(self, entry: Entry) -> float:
        return (self.base + entry.restarts * self.restart + entry.hangs * CHECK_SECONDS
                + entry.load_hangs * Limits().statement_seconds)

    @property
    def check(self) -> float:
        """One check may wait out its limit for a worker an earlier part left deaf, start a fresh one, then run."""
        return 2 * CHECK_SECONDS + self.restart


WATCHDOG = Budget(4 * BASE_SECONDS, 4 * RESTART_SECONDS)  # a grader this slow has hung: it is killed


def _missing_layers(entry: Entry) -> set[str]:
    return set(entry.needs) - available_layers()


class Grader:
    """A grader process; started afresh when a submission has killed or hung the last one."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen | None = None

    def grade(self, request: dict, limit: float) -> tuple[dict, str | None]:
        """The grader's answer, or how it failed to give one within ``limit``."""
        if self.process is None or self.process.poll() is not None:
            with self.log.open("a") as log:
                self.process = subprocess.Popen([sys.executable, str(SERVICE)], stdin=subprocess.PIPE,
                                                stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPO_ROOT,
                                                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        watchdog = threading.Timer(limit, self.process.kill)
        watchdog.start()
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        except OSError:
            answer = ""
        finally:
            watchdog.cancel()
        if answer:
            return json.loads(answer), None
        self.process.kill()
        return {}, f"the grader died or hung (exit {self.process.wait()}): {self.log.read_text()[-3000:]}"

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait()


def _grade(entry: Entry, root: Path, grader: Grader) -> Outcome:
    """Build the submission, have the grader grade it, and look at what changed around it."""
    targets = Targets(canary_dir=root / "outside", results=root / "results" / "results.json", marker=root / "marker")
    targets.canary_dir.mkdir()
    targets.canary.write_text(f"canary for {entry.name}: {os.urandom(8).hex()}\n")
    targets.results.parent.mkdir()
    notebook = root / "submission" / "vae.ipynb"
    notebook.parent.mkdir()
    notebook.write_bytes(entry.build(targets))
    grader_tmp = root / "grader-tmp"
    grader_tmp.mkdir()
    watched = lambda: _snapshot(sorted(targets.canary_dir.iterdir()) + [targets.canary_dir, notebook] + _repo_files())
    before = watched()
    started = time.monotonic()
    summary, failure = grader.grade({"notebook": str(notebook), "results": str(targets.results),
                                     "check_seconds": CHECK_SECONDS, "tmp": str(grader_tmp)},
                                    WATCHDOG.grading(entry))
    seconds = time.monotonic() - started
    after = watched()
    return Outcome(failure, seconds, summary, targets.results.read_text() if targets.results.exists() else "",
                   targets.marker.read_text() if targets.marker.exists() else None,
                   sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path)),
                   [p.name for p in grader_tmp.glob("vae-grade-*")])


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """The reference and every selected entry, graded by two graders at once, the reference and the slowest first.

    Meanwhile this process is a child subreaper, so that whatever a grader that died left
    running comes here and is killed afterwards.
    """
    selected = {item.callspec.params["entry"].name for item in request.session.items
                if item.module is request.module and hasattr(item, "callspec")}
    entries = [e for e in ENTRIES if e.name in selected and not _missing_layers(e)]
    logs = tmp_path_factory.mktemp("graders")
    graders: queue.Queue[Grader] = queue.Queue()
    for number in range(PARALLEL):
        graders.put(Grader(logs / f"grader-{number}.log"))

    def grade(entry: Entry) -> Outcome:
        grader = graders.get()
        try:
            return _grade(entry, tmp_path_factory.mktemp(entry.name), grader)
        finally:
            graders.put(grader)

    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        with ThreadPoolExecutor(PARALLEL) as pool:
            futures = {entry.name: pool.submit(grade, entry)
                       for entry in [REFERENCE_ENTRY, *sorted(entries, key=WATCHDOG.grading, reverse=True)]}
            return {name: future.result() for name, future in futures.items()}
    finally:
        while not graders.empty():
            graders.get().close()
        orphans = psutil.Process().children(recursive=True)
        for orphan in orphans:
            orphan.kill()
        psutil.wait_procs(orphans, timeout=5)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _assert_grader_unharmed(outcome: Outcome) -> None:
    """It finished and wrote its results; nothing outside the worker's folder changed; nothing lingers."""
    assert outcome.failure is None, outcome.failure
    assert not outcome.summary["leftovers"], f"processes left behind: {outcome.summary['leftovers']}"
    assert not outcome.changed, f"files outside the worker's folder changed: {outcome.changed}"
    assert outcome.marker is None, f"an attack got through: {outcome.marker!r}"
    assert not outcome.worker_folders, f"the worker's folders were left behind: {outcome.worker_folders}"
    assert json.loads(outcome.results_file) == outcome.summary["results"], "results.json is not what the grader wrote"


def _assert_in_time(entry: Entry, outcome: Outcome, budget: Budget) -> None:
    limit = budget.grading(entry)
    assert outcome.seconds <= limit, f"took {outcome.seconds:.1f} s, more than {limit:.0f} s"
    slow = [(c["id"], round(c["seconds"], 1)) for c in outcome.summary["checks"] if c["seconds"] > budget.check]
    assert not slow, f"checks ran past their limit of {budget.check:.0f} s: {slow}"


def _assert_valid_report(outcome: Outcome, baseline: Outcome) -> None:
    """Every check once, scores within their points, feedback of a readable size, nothing hidden shown."""
    results, expected = outcome.summary["results"], baseline.summary["results"]
    graded_names = lambda tests: [t["name"] for t in tests if t["max_score"]]
    assert json.loads(json.dumps(results)) == results
    assert graded_names(results["tests"]) == graded_names(expected["tests"])
    assert all(0 <= t["score"] <= t["max_score"] for t in results["tests"])
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert results["max_score"] == expected["max_score"]
    long = [t["name"] for t in results["tests"] if len(t["output"]) > MESSAGE_CHARS]
    assert not long, f"feedback too long for {long}"
    visible = "\n".join([results["output"]] + [t["output"] for t in results["tests"] if t["visibility"] == "visible"])
    leaked = [line for line in _hidden_lines() if line in visible]
    assert not leaked, f"the feedback shows hidden checks: {leaked[:3]}"


def _assert_honest(entry: Entry, outcome: Outcome, baseline: Outcome) -> None:
    """Sabotaged parts earn nothing; the others what the reference earns (never more, and exactly that unless
    the entry may break the worker for them too)."""
    honest = {c["id"]: c["score"] for c in baseline.summary["checks"]}
    earned = {c["id"]: (c["part"], c["score"]) for c in outcome.summary["checks"]}
    gained = [i for i, (task, score) in earned.items() if task in entry.sabotages and score > 0]
    assert not gained, f"sabotaged parts earned points: {gained}"
    lost_points = sum(c["points"] for c in baseline.summary["checks"] if c["part"] in entry.sabotages)
    assert outcome.summary["results"]["score"] <= baseline.summary["results"]["score"] - lost_points
    if not entry.collateral:
        changed = [i for i, (task, score) in earned.items() if task not in entry.sabotages and score != honest[i]]
        assert not changed, f"parts the submission did not attack changed score: {changed}"


def test_reference_earns_every_point_with_the_short_time_limit(outcomes):
    """Does the reference get full marks when each check has only a few seconds (so the corpus's limits are fair)?"""
    reference = outcomes[REFERENCE_ENTRY.name]
    _assert_grader_unharmed(reference)
    results = reference.summary["results"]
    assert results["score"] == TOTALS.automatic_points > 0  # no person graded its written answers here
    assert results["max_score"] == TOTALS.total_points
    assert {c["part"] for c in reference.summary["checks"]} == set(TASKS)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_hostile_submission(entry: Entry, outcomes):
    """Does grading it end in time with a valid, honest report, and leave the grader and its files unharmed?"""
    missing = _missing_layers(entry)
    if missing:
        pytest.skip(f"this kernel lacks {', '.join(sorted(missing))}, without which the grader cannot stop it")
    outcome, baseline = outcomes[entry.name], outcomes[REFERENCE_ENTRY.name]
    _assert_grader_unharmed(outcome)
    _assert_in_time(entry, outcome, Budget.after(baseline))
    _assert_valid_report(outcome, baseline)
    _assert_honest(entry, outcome, baseline)
