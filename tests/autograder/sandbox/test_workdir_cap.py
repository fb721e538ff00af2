"""The working folder's cap in bytes and files, and failures of the grader's own that blame no submission (fast)."""
from __future__ import annotations

import errno
import threading

import pytest

from autograder.framework.registry import Check
from autograder.framework.results import run_check
from autograder.sandbox.process import FolderWatch, folder_usage


def test_folder_usage_counts_every_entry_and_block(tmp_path):
    """Are files, folders and links counted, nested ones too, with the blocks they take, up to the bound asked?"""
    (tmp_path / "a" / "b").mkdir(parents=True)
    for number in range(5):
        (tmp_path / "a" / "b" / f"f{number}").write_bytes(b"x" * 10_000)
    (tmp_path / "link").symlink_to("/etc/passwd")
    used, entries = folder_usage(tmp_path, (1 << 30, 1 << 30))
    assert entries == 8 and 50_000 <= used < 50_000 + 8 * 16_384
    assert folder_usage(tmp_path, (1 << 30, 2))[1] < 8  # stops early: a million files are not listed every time


def test_the_watch_ends_a_worker_whose_folder_holds_too_many_files(tmp_path):
    """Does the watch leave a folder under its caps alone, and kill once it holds more files than allowed, saying so?"""
    killed = threading.Event()
    watch = FolderWatch(tmp_path, (1 << 30, 50), killed.set, writer="your code", place="its working folder")
    try:
        for number in range(40):
            (tmp_path / f"f{number}").write_bytes(b"x")
        assert not killed.wait(5 * FolderWatch.POLL_SECONDS) and watch.ended is None
        for number in range(40, 60):
            (tmp_path / f"f{number}").write_bytes(b"x")
        assert killed.wait(5) and "wrote more than its working folder may hold" in watch.ended
    finally:
        watch.close()


def test_the_watch_ends_a_worker_whose_folder_holds_too_many_bytes(tmp_path):
    killed = threading.Event()
    watch = FolderWatch(tmp_path, (1 << 20, 1000), killed.set, writer="your code", place="its working folder")
    try:
        (tmp_path / "big").write_bytes(b"x" * (2 << 20))
        assert killed.wait(5) and "1 MB" in watch.ended
    finally:
        watch.close()


def test_the_watch_ends_a_kernel_past_its_time(tmp_path):
    """Does a watch given a time (the confined kernel's notebook limit) kill once it is up, saying so?"""
    killed = threading.Event()
    watch = FolderWatch(tmp_path, (1 << 30, 1000), killed.set, writer="the notebook", place="its folder", seconds=1.0)
    try:
        assert not killed.wait(0.5) and watch.ended is None
        assert killed.wait(5) and watch.ended == "the notebook ran out of its time (1 s in all)"
    finally:
        watch.close()


class _FailingStudent:
    """A student whose probe fails in the grader's own process, as a full disk or exhausted memory would."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def begin(self, check_id: str, seconds: float) -> None:
        pass

    def probe(self, name: str, *args: object) -> object:
        raise self.error


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), MemoryError()],
                         ids=["disk-full", "out-of-memory"])
def test_a_failure_of_the_grader_blames_no_one(error):
    """Does a check the grader could not finish say so, rather than blame the student's code?"""
    check = Check("part.one", "part", "Is it right?", 2, "Your loss is not summed over the batch.", False, 5.0,
                  lambda student: student.probe("anything"))
    result = run_check(check, _FailingStudent(error), {"part"}, {})
    assert result.score == 0 and "no fault of the submission" in result.message
    assert "Your loss" not in result.message and "Your code" not in result.message
