"""One check run on a submission, and its result: shared by the grader and the notebook self-check.

No sandbox and no POSIX-only modules (the framework only), so it also runs in a student's kernel
on any system.
"""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.framework.registry import CHECK_SECONDS, Check
from autograder.framework.seeds import check_seed, seed_all
from autograder.framework.errors import ConfinementError, Missing, StudentError, SubmissionStopped, Timeout, WorkerFailure
from autograder.framework.text import readable, shorten

if TYPE_CHECKING:
    from vae_course.notebook_code import Definitions

MESSAGE_CHARS = 1000  # feedback is read by a person; a submission's error text can be any length


@dataclass
class CheckResult:
    """One check's outcome, with the check's identity as plain values: it crosses processes as JSON."""

    id: str
    part: str
    question: str
    points: float
    score: float
    hidden: bool
    message: str  # what the student may see
    seconds: float = 0.0
    stopped: bool = False  # the worker hung or died during this check

    def __post_init__(self) -> None:
        self.message = shorten(readable(self.message), MESSAGE_CHARS)

    @classmethod
    def of(cls, check: Check, score: float, message: str, seconds: float = 0.0, stopped: bool = False) -> CheckResult:
        return cls(check.id, check.part, check.question, check.points, score, check.hidden, message, seconds, stopped)

    @property
    def passed(self) -> bool:
        return self.score == self.points


def _failure(check: Check, error: BaseException, seconds: float = 0.0) -> str:
    if isinstance(error, Missing):
        return f"`{error}` is not defined in the notebook: define it in its cell, with that exact name."
    if isinstance(error, StudentError):
        if error.info.get("type") == "NotImplementedError":
            return f"`{check.part}` is not implemented yet: replace the `raise NotImplementedError()` in its cell."
        return f"Your code raised {error}. {check.feedback}"
    if isinstance(error, SubmissionStopped):
        return f"Not graded: {error}."
    if isinstance(error, Timeout):
        return (f"Stopped after {seconds:.0f} s without an answer (an infinite loop, or far too much work). "
                f"{check.feedback}")
    if isinstance(error, WorkerFailure):
        return f"{str(error).capitalize()}. {check.feedback}"
    if isinstance(error, AssertionError) and not check.hidden and str(error):
        return f"{check.feedback} ({str(error).splitlines()[0]})"
    return check.feedback


def keep_hypothesis_files_in_the_temp_folder() -> None:
    """Point hypothesis's cache (it writes ``.hypothesis/`` into the working folder) at the temporary folder, unless
    the user chose a place: beside a student's notebook it would be collected with her submission."""
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "vae-course-hypothesis")


def run_check(check: Check, student, defined: set[str], blocked: dict[str, str],
              check_seconds: float | None = None, prepare: Callable[[], None] | None = None) -> CheckResult:
    """Run one check; any failure, of the student's code or of the worker, fails only this check.

    ``prepare`` runs before the check's time starts: starting a worker again after an earlier
    part killed it must not eat into this check's time limit.
    """
    started = time.monotonic()
    keep_hypothesis_files_in_the_temp_folder()
    seed_all(check_seed(check.id))
    if check.part in blocked:
        message = blocked[check.part]
    elif check.part not in defined:
        message = _failure(check, Missing(check.part))
    else:
        seconds = check.seconds * check_seconds / CHECK_SECONDS if check_seconds else check.seconds
        try:
            if prepare is not None:
                prepare()
            student.begin(check.id, seconds)
            check.run(student)
        except WorkerFailure as error:
            return CheckResult.of(check, 0.0, _failure(check, error, seconds), time.monotonic() - started, stopped=True)
        except (AssertionError, Missing, StudentError) as error:
            message = _failure(check, error, seconds)
        except ConfinementError:
            raise  # the machine's fault, never the student's: nothing is graded unconfined
        except (MemoryError, OSError) as error:  # the grader's own process: a full disk, no memory left
            message = (f"Not graded: the grader itself failed ({type(error).__name__}: {error}); this is no fault of "
                       "the submission. Ask for it to be graded again once the machine has room.")
        except Exception as error:  # noqa: BLE001 (e.g. a student's result of an unexpected type)
            message = check.feedback if check.hidden else f"{check.feedback} ({type(error).__name__}: {error})"
        else:
            return CheckResult.of(check, check.points, "Passed.", time.monotonic() - started)
    return CheckResult.of(check, 0.0, message, time.monotonic() - started)


def blocked_parts(definitions: Definitions, load_errors: list[dict]) -> dict[str, str]:
    """Parts whose definition could not be read or run, with the reason (the grader's and the self-check's)."""
    blocked: dict[str, str] = {}
    for problem in definitions.problems:
        if problem.grade_id and problem.grade_id not in definitions.names:
            blocked.setdefault(problem.grade_id, f"Cell {problem.cell} ({problem.grade_id}) has a {problem.message}.")
    for error in load_errors:
        for name in error["names"]:
            blocked[name] = (f"Defining `{name}` raised {error['type']}: {error['message']} "
                             f"({error['filename'].strip('<>')}).")
    return blocked
