"""A grading lane for ``grade-batch``: the checks and torch imported once, a grading child per submission.

A cold grading child imports torch and the checks (about 3 s) and starts a worker zygote (about
4 s) for every submission. A lane is one long-lived grader process, ``python -m
autograder.running.lane``, that does both once, then forks a grading child per submission: the child
starts with the checks in memory and asks the lane's zygote for its workers. Forking the grader
is safe: it never runs student code. The zygote was started by exec, never forked from here, so
no worker inherits the hidden checks this process holds.

The supervision guarantee is ``supervisor``'s, through the same ``stream`` and ``children``: the lane
writes a child's plan and results as they come, then ``{"done": exit status, "log": ...}``;
``Lane.grade`` assembles a complete report from whatever arrived, whether the child finished, was
killed or hung (then the whole lane is killed, and the next submission starts a new one).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import IO, TYPE_CHECKING

from autograder.sandbox.process import _remove, grading_folder
from autograder.running.children import PACKAGE_ROOT, adopt_orphans, cap_memory, reap_orphans, skip_unused_imports
from autograder.running.stream import GRADING_SECONDS, LOG_CHARS, assemble, stream_grading

if TYPE_CHECKING:
    from autograder.running.grading import GradeReport
    from autograder.sandbox.process import Zygote

MAX_LOG_CHARS = 20 * LOG_CHARS
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Be killed when the parent goes (Linux): a lane leads a session of its own, so a batch killed with its
    process group would otherwise leave it (and its grading child) running. The kernel means the parent's
    thread that started it: ``grade-batch`` closes its lanes before its pool's threads end."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Lane:
    """The batch's side of one lane: submissions in, complete reports out, the lane restarted when it dies."""

    def __init__(self, include_hidden: bool = True) -> None:
        self.include_hidden = include_hidden
        self._server: subprocess.Popen | None = None
        self._folder: Path | None = None  # the lane's TMPDIR, removed with it
        self._buffer = b""

    def _start(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "autograder.running.lane"] + ([] if self.include_hidden else ["--public-only"])
        path = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))
        self._buffer = b""
        adopt_orphans()  # a killed lane's zygote and workers come back here, to be reaped
        self._folder = grading_folder()
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONPATH": path, "TMPDIR": str(self._folder)},
                                start_new_session=True)

    def _remove_folder(self) -> None:
        folder, self._folder = self._folder, None
        if folder is not None:
            _remove(folder)

    def _lines(self, deadline: float) -> list[bytes] | None:
        """The complete lines that arrive before ``deadline``; ``None`` at the deadline, ``[]`` at the end."""
        server = self._server
        with selectors.DefaultSelector() as selector:
            selector.register(server.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if selector.select(remaining):
                    chunk = os.read(server.stdout.fileno(), 1 << 20)
                    if not chunk:
                        return []
                    self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        return lines

    def grade(self, submission: str | Path, seconds: float = GRADING_SECONDS) -> tuple[GradeReport, str | None, str]:
        """Like ``supervisor.grade_supervised``: the report (always complete), how grading failed, the log."""
        started = time.monotonic()
        if self._server is None or self._server.poll() is not None:
            self.kill()
            self._server = self._start()
        lines: list[str] = []
        returncode, timed_out, log, finished = None, False, "", False
        try:
            self._server.stdin.write(json.dumps({"submission": str(submission)}).encode() + b"\n")
            self._server.stdin.flush()
        except OSError as error:
            log, finished = f"the grading lane stopped ({error})", True
        while not finished:
            arrived = self._lines(started + seconds)
            if arrived is None:
                timed_out, finished = True, True
                self.kill()
            elif not arrived:  # the lane itself died: the next submission starts another
                returncode, finished = self._server.wait(), True
                self.kill()
            for line in arrived or ():
                text = line.decode("utf-8", errors="replace")
                try:
                    message = json.loads(text)
                except ValueError:
                    message = None
                if isinstance(message, dict) and "done" in message:
                    returncode, log, finished = message["done"], str(message.get("log", "")), True
                else:
                    lines.append(text)
        report, failure = assemble(str(submission), lines, returncode, timed_out, log.strip(), self.include_hidden,
                                   time.monotonic() - started)
        return report, failure, log.strip()

    def kill(self) -> None:
        """Stop the lane now (the lane and its grading child: their session; the zygote hears it and goes)."""
        server, self._server = self._server, None
        if server is None:
            return
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except OSError:
            pass
        server.wait()
        reap_orphans()  # the lane's zygote and workers, reparented to this process
        self._remove_folder()

    def close(self) -> None:
        """End the lane: with its requests closed it finishes and leaves."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._server = server
            self.kill()
        self._remove_folder()


def _grade_forked(submission: str, include_hidden: bool, answers: IO[str], zygote: Zygote, log: int,
                  folder: Path) -> int:
    """In the forked grading child: grade with the lane's checks and zygote, output to ``log``, its temporary
    files in ``folder`` (which the lane removes); its exit status."""
    _die_with_parent()
    tempfile.tempdir = str(folder)
    os.dup2(log, 1)
    os.dup2(log, 2)
    stream_grading(submission, include_hidden, answers, zygote)
    answers.flush()
    return 0


def serve(include_hidden: bool) -> None:
    """Read submissions (JSON lines) on stdin; grade each in a forked child; say when each child ended."""
    from autograder.assignment.graded_checks import load_checks
    from autograder.running.grading import graded_inputs
    from autograder.sandbox.process import Zygote

    _die_with_parent()
    skip_unused_imports()
    cap_memory()
    signal.signal(signal.SIGINT, lambda *_: None)  # the batch decides: it kills the lane
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    with Zygote() as zygote:  # started by exec, importing beside this process
        load_checks(include_hidden)  # the checks and torch, once for every submission of this lane
        import torch

        # One lane per core, and no OpenMP thread pool in this process: a child forked after a parallel region would
        # hang in its first one. Then the graded public checks' expected values, computed once before the forks.
        torch.set_num_threads(1)
        with graded_inputs(include_hidden):
            pass
        for line in sys.stdin:
            submission = json.loads(line)["submission"]
            session = zygote.session()
            folder = grading_folder()
            with tempfile.TemporaryFile("w+b") as log:
                pid = os.fork()
                if pid == 0:
                    status = 70
                    try:
                        status = _grade_forked(submission, include_hidden, answers, session, log.fileno(), folder)
                    except BaseException:  # noqa: BLE001 (its last words, for the row: see stream._how_it_ended)
                        traceback.print_exc()
                        sys.stderr.flush()
                    finally:
                        os._exit(status)
                session.close()  # the child's copy stays: the zygote kills its workers when the child ends
                _, status = os.waitpid(pid, 0)
                _remove(folder)  # what the child left: everything, if it was killed
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - MAX_LOG_CHARS))
                text = log.read().decode("utf-8", errors="replace")
            # after a newline: a child killed while writing a line must not hide this one
            answers.write("\n" + json.dumps({"done": os.waitstatus_to_exitcode(status), "log": text}) + "\n")
            answers.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.running.lane")
    parser.add_argument("--public-only", action="store_true")
    serve(include_hidden=not parser.parse_args(argv).public_only)


if __name__ == "__main__":
    main()
