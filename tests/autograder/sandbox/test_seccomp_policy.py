"""The seccomp filter as libseccomp prints it, pinned per architecture, and a missing libseccomp refused.

The golden files are the review surface of the policy: a change to ``confine/policy.py`` that
changes the filter fails here until the file is regenerated with
``bash run.sh python -m autograder.sandbox.confine ARCH > tests/autograder/sandbox/seccomp_ARCH.pfc``
(``--serving`` for the kernel's filter), and the diff shows what was allowed or refused.
"""
from __future__ import annotations

import builtins
import difflib
import sys
from pathlib import Path

import pytest

from autograder.sandbox import confine
from autograder.sandbox.confine import policy, seccomp

GOLDEN = Path(__file__).resolve().parent
CASES = [(arch, serving) for arch in seccomp.ARCHITECTURES for serving in (False, True)]


def golden_name(arch: str, serving: bool) -> str:
    return f"seccomp_{arch}{'_serving' if serving else ''}.pfc"


@pytest.mark.parametrize(("arch", "serving"), CASES, ids=[golden_name(*case) for case in CASES])
def test_filter_matches_its_golden_file(arch: str, serving: bool) -> None:
    expected = (GOLDEN / golden_name(arch, serving)).read_text()
    printed = seccomp.readable(arch, serving=serving)
    diff = "".join(difflib.unified_diff(expected.splitlines(True), printed.splitlines(True), "golden", "built"))
    assert printed == expected, f"the seccomp filter changed; review, then regenerate (module docstring):\n{diff}"


def test_golden_files_name_every_allowed_call() -> None:
    """Each call of the policy appears in the x86_64 filter as allowed, and nothing the policy omits does."""
    printed = (GOLDEN / golden_name("x86_64", False)).read_text()
    named = {line.split('"')[1] for line in printed.splitlines() if 'filter for syscall "' in line}
    checked = {"ioctl", "fcntl", "clone", "clone3", "prlimit64", "setpriority", "ioprio_set"}
    checked |= {name for name, _, _ in policy.SELF_ONLY}
    assert named == set(policy.ALLOWED_SYSCALLS) | checked
    assert not named & {"execve", "socket", "connect", "ptrace", "mknod", "fork", "vfork", "bind", "setrlimit"}


def test_a_process_is_refused_its_own_pid_only_where_named() -> None:
    """The argument checks carry the pid the filter is built for: another process is never a target."""
    printed = seccomp.readable("x86_64", pid=31337)
    assert "== 31337" in printed and "== 4242" not in printed


def test_missing_libseccomp_refuses_before_anything_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyseccomp(name: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if name == "pyseccomp":
            raise RuntimeError("Unable to find libseccomp")  # what pyseccomp raises without libseccomp.so
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "pyseccomp", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_pyseccomp)
    monkeypatch.setattr(confine, "available_layers", lambda: {"seccomp"})
    dropped = []
    monkeypatch.setattr(confine.capabilities, "install", lambda libc: dropped.append(True))
    with pytest.raises(confine.ConfinementFailed, match="libseccomp"):
        confine.install_kernel_layers(confine.Allowed(Path.cwd(), ()))
    assert not dropped, "the filter must be built (and found missing) before any layer is installed"
