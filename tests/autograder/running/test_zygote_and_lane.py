"""The worker zygote and grading lanes: fast workers, confined as before; lanes that survive their children.

A worker forked by the zygote must hold only its own two descriptors, lead its own session, live
in its own folder and be confined; the zygote stays single-threaded (forking is safe), kills the
workers of a grader whose channel closes, and restarts cost a fork, not an import of torch. A lane
grades submission after submission with the same scores, and a grading child killed from outside
still gives a complete report, after which the lane grades again.
"""
from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from autograder.running.lane import Lane
from autograder.sandbox.process import Sandbox, Zygote

REFERENCE = Path(__file__).resolve().parents[3] / "solutions" / "vae" / "vae.ipynb"


@pytest.fixture(scope="module")
def zygote():
    with Zygote() as started:
        yield started


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def test_a_forked_worker_holds_only_its_own_descriptors_session_and_folder(zygote):
    with Sandbox([], zygote=zygote) as sandbox:
        sandbox.start()
        pid = sandbox._pid
        assert sorted(os.listdir(f"/proc/{pid}/fd"), key=int) == ["0", "1", "2", "3"]
        assert os.getsid(pid) == os.getpgid(pid) == pid
        assert os.readlink(f"/proc/{pid}/cwd") == str(sandbox._workdir)
        assert _parent(pid) == zygote._process.pid
        assert "capabilities" in sandbox.layers and "audit hooks" in sandbox.layers


def test_the_zygote_is_single_threaded_and_restarts_are_a_fork(zygote):
    with Sandbox([], zygote=zygote) as sandbox:
        sandbox.start()
        assert len(os.listdir(f"/proc/{zygote._process.pid}/task")) == 1
        started = time.monotonic()
        for _ in range(3):
            sandbox.start()
        assert (time.monotonic() - started) / 3 < 1.5, "a restart should cost a fork, not importing torch"


def test_a_closed_session_takes_its_workers_with_it(zygote):
    session = zygote.session()
    sandbox = Sandbox([], zygote=session)
    sandbox.start()
    worker = psutil.Process(sandbox._pid)
    session.close()  # as when a lane's grading child dies
    worker.wait(timeout=10)
    assert not psutil.pid_exists(worker.pid) or worker.status() == psutil.STATUS_ZOMBIE
    sandbox.close()  # its worker is already gone: closing still must not raise


@pytest.mark.slow
def test_a_lane_grades_the_same_twice_and_survives_a_killed_child(tmp_path, monkeypatch):
    """Killed while grading, does the child still give a complete report, leave no folder, and the lane grade again?"""
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the lane's temporary folders, and everything in them, land here
    monkeypatch.setattr(tempfile, "tempdir", None)
    sandbox_folders = lambda: list(tmp_path.rglob("vae-grade-data-*"))
    lane = Lane()
    try:
        first, failure, _ = lane.grade(REFERENCE)
        assert failure is None and first.score == first.max_score > 0
        server = psutil.Process(lane._server.pid)

        def kill_the_grading_child() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                children = [c for c in server.children() if "autograder.running.lane" in " ".join(c.cmdline())]
                if children and sandbox_folders():  # it made its sandbox's folders
                    os.kill(children[0].pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_the_grading_child)
        killer.start()
        killed, failure, _ = lane.grade(REFERENCE)
        killer.join()
        assert failure and "killed by SIGKILL" in failure
        assert not sandbox_folders(), "the killed grading child's folders were left behind"
        assert [r.id for r in killed.results] == [r.id for r in first.results]
        again, failure, _ = lane.grade(REFERENCE)
        assert failure is None
        assert [(r.id, r.score) for r in again.results] == [(r.id, r.score) for r in first.results]
    finally:
        lane.close()
