"""What can go wrong when a check asks the submission something, shared by checks, students and sandbox.

Only the standard library: this module runs in the student's own kernel too (the self-check),
on Windows and macOS as well as Linux.
"""
from __future__ import annotations

from typing import Any

from autograder.framework.text import readable, shorten


class Missing(Exception):
    """The notebook does not define this name."""


class WorkerFailure(Exception):
    """The worker did not answer: it timed out, crashed, exited or sent garbage."""


class Timeout(WorkerFailure):
    pass


class SubmissionStopped(WorkerFailure):
    """The submission used more than it may (its working folder's cap): its grading ends, every later check says so."""


def _text(value: Any, limit: int) -> str:
    """Text from student code, cut to ``limit`` characters: the submission chooses its length."""
    return shorten(readable(value), limit) if isinstance(value, str) else ""


class ConfinementError(RuntimeError):
    """The worker could not lock itself in (a kernel layer this machine offers failed): nothing is graded."""


class StudentError(Exception):
    """Student code raised; ``info`` has the type, message and cell location, each of a readable length."""

    def __init__(self, info: Any) -> None:
        info = info if isinstance(info, dict) else {}
        self.info = {"type": _text(info.get("type"), 100), "message": _text(info.get("message"), 300),
                     "where": _text(info.get("where"), 200)}
        super().__init__(f"{self.info['type']}: {self.info['message']}{self.info['where']}")


def describe_local(error: BaseException) -> dict[str, str]:
    """An error raised by code in the student's own kernel, with the student's line.

    The student's frames are those outside this package and outside Python's and the installed
    packages' folders (torch, numpy): in Jupyter, the cells.
    """
    import sys
    import sysconfig
    import traceback
    from pathlib import Path

    library = {Path(p).resolve() for p in (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
                                           sysconfig.get_paths()["platlib"])}
    library.add(Path(__file__).resolve().parents[1])  # the autograder package
    library.add(Path(sys.prefix).resolve())

    def is_student(filename: str) -> bool:
        path = Path(filename).resolve() if not filename.startswith("<") else None
        return path is None or not any(folder == path or folder in path.parents for folder in library)

    frames = [f for f in traceback.extract_tb(error.__traceback__) if is_student(f.filename)]
    where = f" (line {frames[-1].lineno}, in {frames[-1].name})" if frames else ""
    return {"type": type(error).__name__, "message": _text(str(error), 300), "where": where}
