"""The worker zygote: imports what a worker needs once, then forks one worker per request.

Importing torch, torchvision and matplotlib takes seconds; a fork of a process that already has
them takes milliseconds, so a worker restarted after a crash or a timeout, and every worker of a
grading lane, starts at once. Started by ``process.Zygote`` by exec, never forked from the
grader: a fresh interpreter with the worker's environment, whose ``sys.path`` names only the
read-only copy of the public modules. So its memory, which every worker inherits, holds those
modules and torch's state, never a check, a hidden check or anything of the grader's. It never
runs student code: each forked worker first confines itself exactly as a worker started by exec
would (session, limits, user, working directory, descriptors, ``confine``), then serves.

Requests arrive as datagrams (JSON, with descriptors by ``SCM_RIGHTS``) on the control socket
(its first argument) or on a session socket sent over it:

- ``{"op": "session"}`` with a socket: a grader of its own (a grading child of a lane); the workers
  spawned through it are killed when it closes.
- ``{"op": "spawn", "id", "workdir", "data_dir", "limits", "user"}`` with the worker's request and
  answer descriptors: answered ``{"id", "pid"}``.
- ``{"op": "reap", "pid"}``: kill that worker's process group and wait for it. Until then its pid
  stays taken (a zombie), so the grader's ``killpg`` can never reach a stranger.

When the control socket closes, every worker is killed and the zygote leaves.
"""
from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import socket
import sys
from pathlib import Path
from typing import Any, NoReturn

MAX_REQUEST_BYTES = 1 << 16
REQUESTS_FD, ANSWERS_FD = 0, 3  # where a forked worker finds its two descriptors


def _warm_up() -> None:
    """Run the first torch operations here once: the first op of a fresh process costs about 0.4 s."""
    import torch
    import torch.nn.functional as F

    x = torch.rand(2, 3, 8, 8, requires_grad=True)
    conv = torch.nn.Conv2d(3, 4, 3, padding=1)
    y = torch.sigmoid(torch.nn.ConvTranspose2d(4, 3, 3, padding=1)(torch.relu(conv(x))))
    loss = F.binary_cross_entropy(y, torch.rand_like(y).detach(), reduction="sum") + torch.randn(3).exp().sum()
    loss.backward()
    torch.optim.Adam(conv.parameters()).step()
    torch.manual_seed(0)


def _limit(limits: dict[str, int], user: list[int] | None) -> None:
    """The worker's own limits and user, as ``Sandbox`` used to set them before exec."""
    for name, value in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_CPU", "cpu_seconds"), ("RLIMIT_FSIZE", "file_bytes")):
        resource.setrlimit(getattr(resource, name), (limits[value], limits[value]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if user:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
        os.setgroups([])
        os.setgid(user[1])
        os.setuid(user[0])


def _become_worker(request: dict[str, Any], requests: int, answers: int, held: list[socket.socket]) -> NoReturn:
    """In the forked child: leave everything of the zygote behind, confine, serve, and never return.

    It leaves by ``os._exit``, never by Python's normal shutdown: Python clears the audit hooks
    before it destroys the last objects, so a student's ``__del__`` run then would be unguarded.
    ``os._exit`` is taken now, before student code can replace it.
    """
    leave = os._exit
    try:
        os.setsid()
        for sock in held:  # the control and session sockets: their descriptors go below, their objects forget them
            sock.detach()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(answers, ANSWERS_FD)
        os.dup2(requests, REQUESTS_FD)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.closerange(ANSWERS_FD + 1, os.sysconf("SC_OPEN_MAX"))  # every other inherited descriptor
        _limit(request["limits"], request["user"])
        workdir = Path(request["workdir"])
        os.chdir(workdir)
        os.environ.update(HOME=str(workdir), TMPDIR=str(workdir))
        import tempfile

        tempfile.tempdir = None  # chosen again, from TMPDIR, when first asked
        from autograder.sandbox import worker

        worker.serve(os.fdopen(REQUESTS_FD, "rb"), os.fdopen(ANSWERS_FD, "wb", buffering=0),
                     Path(request["data_dir"]))
    finally:
        leave(0)


def kill_and_reap(pid: int) -> None:
    """Kill a process that leads its own group, the group first, and wait for it (never raises)."""
    for kill in (os.killpg, os.kill):  # its group (it leads one), then itself
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def serve(control: socket.socket) -> None:
    """Answer requests until the control socket closes; then kill every worker and return."""
    workers: dict[socket.socket, set[int]] = {control: set()}
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    while control in workers:
        for key, _ in selector.select():
            sock = key.fileobj
            try:
                data, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST_BYTES, 2)
            except OSError:
                data, fds = b"", []
            if not data:  # that grader is gone: so are its workers
                for pid in workers.pop(sock):
                    kill_and_reap(pid)
                selector.unregister(sock)
                sock.close()
                continue
            request = json.loads(data)
            if request["op"] == "session":
                session = socket.socket(fileno=fds[0])
                workers[session] = set()
                selector.register(session, selectors.EVENT_READ)
            elif request["op"] == "spawn":
                pid = os.fork()
                if pid == 0:
                    _become_worker(request, fds[0], fds[1], list(workers))
                for fd in fds:
                    os.close(fd)
                workers[sock].add(pid)
                sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())
            elif request["op"] == "reap" and request["pid"] in workers[sock]:
                workers[sock].discard(request["pid"])
                kill_and_reap(request["pid"])
    for pids in workers.values():
        for pid in pids:
            kill_and_reap(pid)


def main() -> None:
    """Import, warm up, serve; output goes nowhere (a worker inherits the zygote's stdout and stderr)."""
    control = socket.socket(fileno=int(sys.argv[1]))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import torch

    torch.set_num_threads(1)  # before any op: no thread pool, so forking is safe
    from autograder.sandbox import worker

    worker.preload()
    _warm_up()
    serve(control)
