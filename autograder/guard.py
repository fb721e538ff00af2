"""Audit hooks (PEP 578) that the worker installs before it runs student code.

They refuse, from then on: starting processes (fork bombs, shell commands), signalling other
processes, loading native code through ctypes, network connections, reading the hidden checks,
and writing, deleting or renaming files outside the worker's own working directory. PEP 578
hooks cannot be removed from Python code, but they are not a security boundary against native
code; the sandbox's resource limits and the grader's separate process are the other layers.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

_PROCESS_EVENTS = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "os.startfile"}
_REFUSED_EVENTS = _PROCESS_EVENTS | {"ctypes.dlopen", "ctypes.dlsym", "socket.connect", "socket.bind",
                                     "sys._current_frames", "sys.settrace", "sys.setprofile"}
_PATH_EVENTS = {"os.remove", "os.rmdir", "os.rename", "os.truncate", "os.chmod", "os.chown", "os.link",
                "os.symlink", "os.mkdir", "shutil.rmtree", "shutil.move", "os.utime", "os.chflags"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _path(value: object) -> Path | None:
    if isinstance(value, (str, bytes, os.PathLike)):
        return Path(os.fsdecode(value)).resolve()
    return None  # a file descriptor: already open


def install(workdir: Path, secret: Path) -> None:
    """Refuse the events above; ``workdir`` is the only writable place, ``secret`` is unreadable."""
    workdir, secret = workdir.resolve(), secret.resolve()

    def inside(path: Path, folder: Path) -> bool:
        return path == folder or folder in path.parents

    def hook(event: str, args: tuple) -> None:
        if event in _REFUSED_EVENTS:
            raise PermissionError(f"the grader does not allow {event}")
        if event == "open":
            path = _path(args[0])
            if path is None:
                return
            mode, flags = args[1] or "", args[2] or 0
            if inside(path, secret):
                raise PermissionError("the grader's hidden checks are not readable")
            writing = any(c in mode for c in "wax+") or flags & _WRITE_FLAGS
            if writing and not inside(path, workdir):
                raise PermissionError(f"writing {path} is not allowed; only the working directory is writable")
        elif event in _PATH_EVENTS:
            for value in args[:2]:
                path = _path(value)
                if path is not None and not inside(path, workdir):
                    raise PermissionError(f"{event} on {path} is not allowed")

    sys.addaudithook(hook)
