"""The grading children's processes: their limits, and what a killed one leaves behind.

A grading child (``supervisor``'s or a lane's) caps its own memory and skips an import nobody
uses; the process that starts it becomes a child subreaper, so that the worker zygote and workers
of a killed child come back to it and are reaped (Linux). Shared by ``supervisor`` and ``lane``.
"""
from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from autograder.sandbox.zygote import kill_and_reap

GRADER_MEMORY_BYTES = 8 << 30  # address space; grading the reference peaks at 3.7 GB of it (0.9 GB resident)
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # what a child needs on its path to import the grader
PR_SET_CHILD_SUBREAPER = 36
_children_lock = threading.Lock()  # grading children are started and orphans reaped one at a time
_grading_children: set[int] = set()


def skip_unused_imports() -> None:
    """Keep ``jsonschema`` (which nbformat imports) from importing ``rfc3987_syntax``.

    That package builds a grammar at import, about 1.8 s of CPU in every grading process, only to
    check the ``iri`` format, which nbformat's schemas never use. Call it before anything imports nbformat.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: an ImportError, which jsonschema expects


def cap_memory() -> None:
    """A soft address-space limit, so the sandbox can still set the worker's own (lower or higher) limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = GRADER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(GRADER_MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def adopt_orphans() -> None:
    """Become a child subreaper (Linux): a worker whose grader was killed is then reparented here, not to init."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def start_grading_child(command: list[str], **popen: Any) -> subprocess.Popen:
    """Start a grading child, known as one, so that ``reap_orphans`` never takes it for an orphan."""
    with _children_lock:
        child = subprocess.Popen(command, **popen)
        _grading_children.add(child.pid)
    return child


def end_grading_child(child: subprocess.Popen) -> None:
    """Forget an ended grading child and reap the zygote and workers it left."""
    with _children_lock:
        _grading_children.discard(child.pid)
    reap_orphans()


def _orphaned_workers() -> list[int]:
    """This process's children that are worker zygotes or their workers (which carry the zygote's command
    line) but not grading children: what a dead child left, reparented here. Read from /proc (Linux, where
    the subreaper exists)."""
    found = []
    for entry in Path("/proc").iterdir() if sys.platform.startswith("linux") else ():
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # not a process, or one that just ended
        zygote = b"autograder.sandbox.zygote" in command
        if parent == os.getpid() and zygote and int(entry.name) not in _grading_children:
            found.append(int(entry.name))
    return found


def reap_orphans() -> None:
    """Kill the zygote and workers a dead grading child left behind (each leads a session of its own and
    was reparented here); nothing else of this process's children is touched (nbgrader's kernels)."""
    with _children_lock:
        while orphans := _orphaned_workers():  # a zygote killed here leaves its workers to this process
            kill_and_reap(orphans[0])
