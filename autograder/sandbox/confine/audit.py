"""The audit-hook layer (PEP 578): the policy again, with messages a student can read.

A convenience layer, not a boundary: code that finds the hook (``gc``) can replace it, and
native code never meets it. On macOS and kernels without Landlock it is the only read
confinement, which ``confine.available_layers`` then shows and the grader reports.
"""
from __future__ import annotations

import importlib.machinery
import os
from collections.abc import Callable

from autograder.sandbox.confine.policy import LISTING_EVENTS, PATH_ARGUMENTS, REFUSED_EVENTS, Allowed

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it (both resolved)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def audit_hook(allowed: Allowed) -> Callable[[str, tuple], None]:
    """The hook: a closure over strings and functions taken now, so patching ``os.path`` or this module later
    changes nothing it uses (``/proc/self`` resolved now, to this process)."""
    realpath, readlink, fsdecode, isabs, join, inside = os.path.realpath, os.readlink, os.fsdecode, \
        os.path.isabs, os.path.join, _inside
    readable = tuple(str(p) for p in allowed.readable)  # /proc/self already resolved to this process
    trusted = tuple(str(p) for p in allowed.readable if p.is_dir())
    workdir, devices = str(allowed.workdir), tuple(str(p) for p in allowed.devices)
    extensions = tuple(importlib.machinery.EXTENSION_SUFFIXES)

    def target(value: object, directory: object = None) -> str | None:
        """Where a path argument points, through a descriptor or relative to a directory descriptor (``dir_fd``)."""
        if isinstance(value, int):
            value, directory = f"/proc/self/fd/{value}", None  # chmod or truncate through a descriptor
        if not isinstance(value, (str, bytes, os.PathLike)):
            return None
        path = fsdecode(value)
        if isinstance(directory, int) and not isabs(path):
            try:
                path = join(readlink(f"/proc/self/fd/{directory}"), path)
            except OSError:
                return None
        return realpath(path)

    def hook(event: str, args: tuple) -> None:
        if event in REFUSED_EVENTS or event.startswith("ctypes.") or (
                event == "object.__setattr__" and args[1] in ("__code__", "cell_contents")):
            raise PermissionError(f"the grader does not allow {event}")
        if event == "open":
            path = None if isinstance(args[0], int) else target(args[0])  # an open descriptor is no new access
            if path is None:
                return
            mode, flags = args[1] or "", args[2] or 0
            writing = any(c in mode for c in "wax+") or flags & _WRITE_FLAGS
            if writing and not (inside(path, workdir) or path in devices):
                raise PermissionError(f"writing {path} is not allowed; only the working directory is writable")
            if not (inside(path, workdir) or path in devices or any(inside(path, root) for root in readable)):
                raise PermissionError(f"reading {path} is not allowed; only Python, the grader's modules "
                                      f"and the working directory are readable")
        elif event in LISTING_EVENTS:
            path = target(args[0] if args[0] is not None else ".")
            if path is not None and not (inside(path, workdir) or any(inside(path, root) for root in readable)):
                raise PermissionError(f"listing {path} is not allowed")
        elif event == "import" and isinstance(args[1], str) and args[1].endswith(extensions):
            path = realpath(args[1])
            if not any(inside(path, root) for root in trusted):
                raise PermissionError(f"extension modules from {os.path.dirname(path)} are not allowed")
        elif event in PATH_ARGUMENTS and not (event == "sqlite3.connect" and args[0] in (":memory:", "")):
            for position, directory in PATH_ARGUMENTS[event]:
                path = target(args[position], args[directory] if directory is not None else None)
                if path is not None and not inside(path, workdir):
                    raise PermissionError(f"{event} on {path} is not allowed")

    return hook
