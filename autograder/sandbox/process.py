"""Start and talk to the worker process that runs student code, within limits.

Limits: a wall-clock deadline for every request (the worker is killed and restarted after a
timeout or a crash, so one bad part costs only its own checks), an address-space limit, a
CPU-time backstop, a cap on written file sizes and a fresh, empty working directory whose
whole contents are capped too, in bytes and in files (``FolderWatch``), so a submission cannot
fill the disk its neighbours grade on. The worker
imports only from a read-only copy of the package's public modules made for it, in a folder
holding nothing else; its environment and ``sys.path`` never name the repository; it confines
itself to an allow-list (``confine``) before it runs student code, and a worker that cannot is a
``ConfinementError``, never a silent, unconfined grading. When the grader runs as root (CI,
Gradescope) and ``nobody`` can reach the interpreter, the worker also drops to ``nobody`` with
a process limit. It is not a container: see README, "What the grader defends against".
"""
from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
import os
import pwd
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.sandbox import protocol, zygote
from autograder.framework.errors import (ConfinementError, Missing, StudentError, SubmissionStopped, Timeout,  # noqa: F401
                               WorkerFailure, _text)  # (re-exported)
if TYPE_CHECKING:  # type hints only: the notebook reader imports nbformat
    from vae_course.notebook_code import Statement

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one worker may use."""

    load_seconds: float = 60.0  # to start a worker and run every definition
    statement_seconds: float = 10.0  # to run one top-level statement (a class body, a decorator)
    memory_bytes: int = 6 << 30
    cpu_seconds: int = 900
    file_bytes: int = 64 << 20  # one file
    workdir_bytes: int = 256 << 20  # all of the working directory, and in files (a file, folder or link each):
    workdir_files: int = 10_000
    processes: int = 512


def _reachable_by_others(path: Path) -> bool:
    """Every folder above ``path`` lets other users through, and ``path`` lets them read."""
    path = path.resolve()
    folders_ok = all(p.stat().st_mode & stat.S_IXOTH for p in path.parents)
    return folders_ok and bool(path.stat().st_mode & stat.S_IROTH)


def _unprivileged_user() -> tuple[int, int] | None:
    """``nobody``'s ids when running as root and ``nobody`` can reach Python and this package."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None
    torch_spec = importlib.util.find_spec("torch")
    needed = [Path(sys.executable)]
    needed += [Path(torch_spec.origin)] if torch_spec and torch_spec.origin else []
    if not all(_reachable_by_others(p) for p in needed):
        return None
    return entry.pw_uid, entry.pw_gid


def _load_errors(statement: Statement, reply: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors the worker reports for one statement, described with the grader's own record of it."""
    ok = reply.get("ok")
    errors = ok.get("errors") if isinstance(ok, dict) else None
    if not isinstance(errors, list) or not all(isinstance(error, dict) for error in errors):
        raise WorkerFailure("the process running your code sent a broken answer")
    return [{"filename": statement.filename, "names": list(statement.names), "type": _text(error.get("type"), 100),
             "message": _text(error.get("message"), 300)} for error in errors]


def _skipped(statement: Statement, failure: WorkerFailure, seconds: float) -> dict[str, Any]:
    """The load error for a statement that hung or broke the worker."""
    if isinstance(failure, Timeout):
        kind, message = "TimeoutError", f"it did not finish within {seconds:g} s"
    else:
        kind, message = type(failure).__name__, str(failure)
    return {"filename": statement.filename, "names": list(statement.names), "type": kind, "message": message}


def _remove(path: Path) -> None:
    """Delete whatever is at ``path`` (a folder, a file or a link), if anything."""
    if path.is_dir() and not path.is_symlink():
        for folder in [path, *(p for p in path.rglob("*") if p.is_dir() and not p.is_symlink())]:
            folder.chmod(0o755)  # read-only copies (the worker's code) are made deletable again
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def grading_folder(parent: str | None = None) -> Path:
    """A temporary folder for one grading child (its ``TMPDIR``), made and removed by the process that started it:
    a child killed while grading (out of memory, by a signal) leaves nothing behind, since its parent removes it.

    Others may pass through it (not list it), so a worker that runs as ``nobody`` reaches its own folders inside.
    """
    folder = Path(tempfile.mkdtemp(prefix="vae-grading-", dir=parent))
    folder.chmod(0o711)
    return folder


def folder_usage(folder: Path, stop_at: tuple[int, int]) -> tuple[int, int]:
    """Bytes on disk and entries (files, folders, links) under ``folder``, counted until either reaches ``stop_at``.

    What a worker wrote: a folder it made unreadable is made readable again (it is its own, or the grader is root).
    """
    used, entries, folders = 0, 0, [folder]
    while folders and used < stop_at[0] and entries < stop_at[1]:
        current = folders.pop()
        try:
            listing = list(os.scandir(current))
        except PermissionError:
            try:
                os.chmod(current, 0o700)
                listing = list(os.scandir(current))
            except OSError:
                continue
        except OSError:  # removed meanwhile
            continue
        for entry in listing:
            entries += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            used += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))
    return used, entries


class FolderWatch:
    """Polls, from the grader's side, the folder a process of student code writes in (and a clock, if given);
    calls ``kill`` once the folder holds too much or the time is up.

    Watches the sandbox's worker (``Sandbox``) and nbgrader's confined kernel (``ConfinedKernelManager``). Polled
    (``POLL_SECONDS``): a process that writes faster than that overshoots by at most what it writes in one period.
    ``ended`` then says why, in words for the student; the owner starts nothing of that submission again.
    """

    POLL_SECONDS = 0.1

    def __init__(self, folder: Path, caps: tuple[int, int], kill: Callable[[], None], *, writer: str, place: str,
                 seconds: float | None = None) -> None:
        """``caps``: bytes and files in all; ``writer`` and ``place`` name who writes and where, for ``ended``."""
        self.folder, self.caps, self._kill = folder, caps, kill
        self.writer, self.place, self.seconds = writer, place, seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.ended: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="folder-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        caps = self.caps
        while not self._stop.wait(self.POLL_SECONDS):
            used, files = folder_usage(self.folder, caps)
            if used >= caps[0] or files >= caps[1]:
                self.ended = (f"{self.writer} wrote more than {self.place} may hold ({caps[0] >> 20} MB or {caps[1]} "
                              f"files in all; it had written {files} files, {used >> 20} MB)")
            elif self.deadline is not None and time.monotonic() > self.deadline:
                self.ended = f"{self.writer} ran out of its time ({self.seconds:.0f} s in all)"
            if self.ended:
                self._kill()
                return

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():  # closed by ``kill``'s own cleanup
            self._thread.join()


PUBLIC_PACKAGES = ("autograder", "vae_course")
NOT_FOR_THE_WORKER = ("autograder/hidden", "autograder/gradescope")
# The zygote's first lines: its working directory (where -c puts sys.path[0]) must not shadow a module.
ZYGOTE_LAUNCH = "import sys; del sys.path[0]; from autograder.sandbox.zygote import main; main()"


def copy_worker_code(destination: Path) -> Path:
    """The public Python modules of this package (never the hidden checks), read-only, in a folder of their own.

    The worker imports only from here: it cannot learn where the repository is, and its
    allow-list of readable places holds this copy instead of the repository.
    """
    for package in PUBLIC_PACKAGES:
        for source in sorted((REPO_ROOT / package).rglob("*.py")):
            relative = source.relative_to(REPO_ROOT)
            if any(relative.as_posix().startswith(excluded + "/") for excluded in NOT_FOR_THE_WORKER):
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            target.chmod(0o444)
    for folder in sorted(destination.rglob("*"), reverse=True):
        if folder.is_dir():
            folder.chmod(0o555)
    destination.chmod(0o555)
    return destination


class Zygote:
    """The grader's handle on a worker zygote (``sandbox.zygote``): started once, asked for each worker.

    It is started by exec, like a worker, with the worker's environment and a read-only copy of the
    public modules of its own, so it starts importing at once, in parallel with the grader. Shared
    by every ``Sandbox`` of a process; ``session`` gives a forked grading child a channel of its own.
    """

    def __init__(self, control: socket.socket | None = None, code: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._process: subprocess.Popen | None = None
        self._spawned = False
        if control is not None:  # a session of a zygote started by another process
            self._control, self.code, self._home = control, code, None
            return
        self.code = copy_worker_code(Path(tempfile.mkdtemp(prefix="vae-grade-code-")))
        self._home = Path(tempfile.mkdtemp(prefix="vae-zygote-"))  # matplotlib's cache; no worker reads it
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(self.code), "HOME": str(self._home),
               "TMPDIR": str(self._home), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE_LAUNCH, str(theirs.fileno())], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), cwd=self._home,
            env=env, start_new_session=True)
        theirs.close()

    def session(self) -> "Zygote":
        """A channel of its own to this zygote, for a forked child (its workers die when it closes)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with self._lock:
            socket.send_fds(self._control, [json.dumps({"op": "session"}).encode()], [theirs.fileno()])
        theirs.close()
        return Zygote(ours, self.code)

    def spawn(self, fds: tuple[int, int], request: dict[str, Any], deadline: float) -> int:
        """Fork a worker serving ``fds`` (its requests, its answers); its pid."""
        number = next(self._ids)
        try:
            with self._lock:
                socket.send_fds(self._control, [json.dumps({"op": "spawn", "id": number, **request}).encode()],
                                list(fds))
                while True:  # an answer to an earlier request that timed out is passed over
                    self._control.settimeout(max(0.001, deadline - time.monotonic()))
                    answer = json.loads(self._control.recv(zygote.MAX_REQUEST_BYTES))
                    if answer["id"] == number:
                        self._spawned = True
                        return int(answer["pid"])
        except (OSError, ValueError, KeyError, TypeError) as error:  # a timeout is an OSError
            raise WorkerFailure(f"the grader could not start the process that runs your code ({error})") from error

    def reap(self, pid: int) -> None:
        """Kill a worker and let the zygote wait for it; never raises."""
        try:
            with self._lock:
                self._control.send(json.dumps({"op": "reap", "pid": pid}).encode())
        except OSError:
            pass

    def close(self) -> None:
        """Close the channel: the zygote kills this channel's workers (and, for the owner, leaves).

        A zygote never asked for a worker (the submission could not be read) may still be importing:
        it is killed rather than waited for.
        """
        self._control.close()
        if self._process is not None:
            try:
                self._process.wait(timeout=10 if self._spawned else 0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            _remove(self.code)
            _remove(self._home)

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_warned_unconfined_reads = False


class Sandbox:
    """One worker process with the student's definitions loaded, restarted when it fails."""

    def __init__(self, statements: list[Statement], limits: Limits = Limits(), zygote: Zygote | None = None) -> None:
        self.statements = statements
        self.limits = limits
        self.load_errors: list[dict[str, Any]] = []
        self._skipped: dict[int, dict[str, Any]] = {}  # statements that hung or broke the worker, by index
        self._own_zygote = zygote is None
        self._zygote = zygote or Zygote()
        self._pid: int | None = None
        self._ids = itertools.count()
        self._buffer = b""
        self._workdir = Path(tempfile.mkdtemp(prefix="vae-grade-"))
        self.data_dir = Path(tempfile.mkdtemp(prefix="vae-grade-data-"))
        self.data_dir.chmod(0o755)  # readable by the worker, writable only by the grader
        self.layers: list[str] = []  # the confinement the last worker reported
        self._user = _unprivileged_user()
        if self._user:
            os.chown(self._workdir, *self._user)
        self._pid_lock = threading.Lock()  # the watch kills only a worker not yet reaped
        self._watch = FolderWatch(self._workdir, (limits.workdir_bytes, limits.workdir_files),
                                  self._kill_for_the_watch, writer="your code", place="its working folder")

    def _kill_for_the_watch(self) -> None:
        with self._pid_lock:
            if self._pid is not None:
                try:
                    os.killpg(self._pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    @property
    def stopped(self) -> str | None:
        """Why this submission's grading was ended (it exceeded its working folder's cap), if it was."""
        return self._watch.ended

    def _failure(self, default: str) -> WorkerFailure:
        """Why the worker stopped: the working folder's cap, if the watch ended it, else ``default``."""
        return SubmissionStopped(self._watch.ended) if self._watch.ended else WorkerFailure(default)

    # --- lifecycle -------------------------------------------------------------------------

    def _restore_workdir(self) -> None:
        """Make the working directory again if the last worker's code deleted it or put a file in its place."""
        if self._workdir.is_dir() and not self._workdir.is_symlink():
            return
        _remove(self._workdir)
        self._workdir.mkdir(mode=0o700)
        if self._user:
            os.chown(self._workdir, *self._user)

    def launch(self) -> None:
        """Have the zygote fork a worker; ``wait_loaded`` then hears it confined and runs the definitions."""
        self.close_process()
        if self._watch.ended:  # the submission is over: nothing of it runs again
            raise self._failure("")
        self._restore_workdir()
        requests_read, requests_write = os.pipe()
        answers_read, answers_write = os.pipe()
        deadline = time.monotonic() + self.limits.load_seconds
        request = {"workdir": str(self._workdir), "data_dir": str(self.data_dir),
                   "limits": dataclasses.asdict(self.limits), "user": self._user}
        try:
            pid = self._zygote.spawn((requests_read, answers_write), request, deadline)
        except WorkerFailure:
            os.close(requests_write)
            os.close(answers_read)
            raise
        finally:
            os.close(requests_read)  # the worker holds its own copies now
            os.close(answers_write)
        self._pid = pid
        self._channel, self._requests = answers_read, requests_write
        os.set_blocking(self._channel, False)
        os.set_blocking(self._requests, False)
        self._buffer = b""
        self._awaiting_confinement = True
        # An empty load: answered as soon as the worker has confined itself.
        self._ready_id = self._send({"op": "load", "statements": []}, deadline)

    def wait_loaded(self) -> None:
        """Run the definitions one statement at a time; ``load_errors`` says which failed.

        A statement that hangs, ends the worker or answers garbage (a class body that loops, a
        decorator that calls os._exit) is skipped and the worker started again without it, so it
        costs only the names it defines. All of this has ``load_seconds`` in total.
        """
        give_up = time.monotonic() + self.limits.load_seconds
        while True:
            self._receive(self._ready_id, give_up)
            errors: list[dict[str, Any]] = []
            for index, statement in enumerate(self.statements):
                if index in self._skipped:
                    continue
                deadline = min(give_up, time.monotonic() + self.limits.statement_seconds)
                request = {"op": "load", "statements": [{"filename": statement.filename, "line": statement.line,
                                                         "source": statement.source, "names": list(statement.names)}]}
                try:
                    errors += _load_errors(statement, self._receive(self._send(request, deadline), deadline))
                except WorkerFailure as failure:
                    if time.monotonic() >= give_up:
                        self.close_process()
                        raise
                    self._skipped[index] = _skipped(statement, failure, self.limits.statement_seconds)
                    break
            else:
                self.load_errors = errors + list(self._skipped.values())
                return
            self.launch()

    def start(self) -> None:
        """Start a worker and load the definitions."""
        self.launch()
        self.wait_loaded()

    def ensure_started(self) -> None:
        """Start a worker if none is running (the last one crashed, timed out or was never started)."""
        if self._pid is None:
            self.start()

    def close_process(self) -> None:
        """Kill the worker's process group; never raises, so a worker that broke its pipes cannot jam the sandbox."""
        with self._pid_lock:
            pid, self._pid = self._pid, None
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGKILL)  # its pid stays taken until the zygote reaps it, below
        except (ProcessLookupError, PermissionError):
            pass
        self._zygote.reap(pid)
        os.close(self._requests)
        os.close(self._channel)

    def close(self) -> None:
        self._watch.close()
        self.close_process()
        if self._own_zygote:
            self._zygote.close()
        _remove(self._workdir)
        _remove(self.data_dir)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests --------------------------------------------------------------------------

    def _read_line(self, deadline: float) -> bytes:
        with selectors.DefaultSelector() as selector:
            selector.register(self._channel, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Timeout("did not finish in time")
                if not selector.select(remaining):
                    continue
                chunk = os.read(self._channel, 1 << 20)
                if not chunk:
                    raise self._failure("the process running your code ended (sys.exit, os._exit, a crash, "
                                        "or running out of memory)")
                self._buffer += chunk
                if len(self._buffer) > protocol.MAX_MESSAGE_BYTES:
                    raise WorkerFailure("your code sent more output than the grader accepts")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _send(self, message: dict[str, Any], deadline: float) -> int:
        """Write a request by ``deadline``: a worker that stops reading must not block the grader."""
        message["id"] = next(self._ids)
        data = memoryview(protocol.dumps(message))
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self._requests, selectors.EVENT_WRITE)
                while data:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Timeout("did not finish in time")
                    if selector.select(remaining):
                        data = data[os.write(self._requests, data):]
        except OSError as error:
            self.close_process()
            raise self._failure(f"the process running your code stopped answering ({error})") from error
        except Timeout:
            self.close_process()
            raise
        return message["id"]

    def _confined(self, reply: dict[str, Any]) -> None:
        """What a fresh worker says about its confinement before it runs anything (later, it could be forged)."""
        global _warned_unconfined_reads
        self._awaiting_confinement = False
        if "unconfined" in reply:
            self.close_process()
            raise ConfinementError(f"the worker could not confine itself, so nothing was graded: "
                                   f"{_text(reply['unconfined'], 500)}")
        layers = reply.get("confined")
        self.layers = [_text(layer, 40) for layer in layers] if isinstance(layers, list) else []
        if "landlock" not in self.layers and not _warned_unconfined_reads:
            _warned_unconfined_reads = True
            print("warning: this machine has no Landlock: the worker's reads and writes are confined only by "
                  "Python audit hooks, which native code can bypass (see README)", file=sys.stderr)

    def _receive(self, message_id: int, deadline: float) -> dict[str, Any]:
        try:
            while True:
                reply = protocol.loads(self._read_line(deadline))
                if self._awaiting_confinement:
                    self._confined(reply)
                    continue
                if reply.get("id") == message_id:
                    return reply
        except (WorkerFailure, protocol.ProtocolError, OSError) as error:
            self.close_process()
            if isinstance(error, WorkerFailure):
                raise
            raise WorkerFailure(f"the process running your code sent a broken answer ({error})") from error

    def probe(self, name: str, *args: Any, seconds: float, seed: int = 0) -> Any:
        """Run one probe in the worker (starting it if needed) and return its result.

        The worker acknowledges a request before it runs student code. A worker that is dead or
        deaf before that (because of what an earlier part did: closed its stdin, exited after its
        answer) is replaced and the request sent once more, so this check is not blamed for it.
        """
        for attempt in (1, 2):
            self.ensure_started()
            deadline = time.monotonic() + seconds
            try:
                message_id = self._send({"probe": name, "args": list(args), "seed": seed}, deadline)
                self._receive(message_id, deadline)
                break
            except WorkerFailure:
                if attempt == 2:
                    raise
        reply = self._receive(message_id, deadline)
        if "missing" in reply:
            raise Missing(_text(reply["missing"], 100))
        if "error" in reply:
            raise StudentError(reply["error"])
        return reply.get("ok")
