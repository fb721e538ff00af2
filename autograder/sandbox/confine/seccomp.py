"""The seccomp layer: the policy's system calls, built and loaded by libseccomp (through ``pyseccomp``).

libseccomp turns rules by name, with argument comparisons, into the BPF program and handles the
architecture (system-call numbers, the x86_64 x32 ABI), so no number or jump offset is written
here. Every call not on the list fails with EPERM. ``python -m autograder.sandbox.confine ARCH``
prints the filter in libseccomp's readable form (tests/autograder/sandbox keeps one golden file
per architecture, so a change to the policy shows in review).
"""
from __future__ import annotations

import errno
import platform
import tempfile
from pathlib import Path
from types import ModuleType

from autograder.sandbox.confine import policy
from autograder.sandbox.confine.errors import ConfinementFailed

ARCHITECTURES = ("x86_64", "aarch64")  # the machines the policy is written and tested for
_INT = 0xFFFFFFFF  # an int argument: the kernel reads only its low 32 bits


def library() -> ModuleType:
    """pyseccomp, or a clear refusal: without libseccomp the worker must not run unconfined."""
    try:
        import pyseccomp
    except (ImportError, RuntimeError) as missing:  # pyseccomp raises RuntimeError when libseccomp.so is absent
        raise ConfinementFailed(f"seccomp needs libseccomp and pyseccomp ({missing}); install libseccomp2 "
                                "(Debian, Ubuntu) or libseccomp (Fedora) and the lock's pyseccomp") from missing
    return pyseccomp


def build_filter(pid: int, serving: bool = False, arch: str | None = None):  # noqa: ANN201 (a pyseccomp filter)
    """The filter for process ``pid``: the policy's calls, the argument-checked ones on ``pid`` only.

    ``serving``: also the calls that serve sockets already open (a Jupyter kernel's), never
    ``socket``, ``bind``, ``listen`` or ``connect``. ``arch``: build for that architecture instead of
    this machine's (to print and review it).
    """
    seccomp = library()
    syscall_filter = seccomp.SyscallFilter(seccomp.ERRNO(errno.EPERM))
    syscall_filter.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.ERRNO(errno.EPERM))
    syscall_filter.set_attr(seccomp.Attr.CTL_TSYNC, 1)  # every thread of the process, torch's included
    if arch is not None:
        syscall_filter.remove_arch(seccomp.Arch.NATIVE)  # rules name native calls; libseccomp translates them
        syscall_filter.add_arch(getattr(seccomp.Arch, arch.upper()))
    allow, arg = seccomp.ALLOW, seccomp.Arg

    def is_int(index: int, value: int):  # noqa: ANN202
        return arg(index, seccomp.MASKED_EQ, _INT, value & _INT)

    for name in policy.ALLOWED_SYSCALLS + (policy.SERVING_SYSCALLS if serving else ()):
        syscall_filter.add_rule(allow, name)
    for request in policy.IOCTL_REQUESTS.values():
        syscall_filter.add_rule(allow, "ioctl", is_int(1, request))
    for command in policy.FCNTL_COMMANDS:
        syscall_filter.add_rule(allow, "fcntl", is_int(1, command))
    syscall_filter.add_rule(allow, "clone", arg(0, seccomp.MASKED_EQ, policy.CLONE_THREAD, policy.CLONE_THREAD))
    syscall_filter.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    syscall_filter.add_rule(allow, "prlimit64", arg(2, seccomp.EQ, 0))  # reading limits only: no new limit
    targets = {"self": (pid, 0), "group": (pid, 0, -pid)}  # it leads its own process group
    for name, index, kind in policy.SELF_ONLY:
        for target in targets[kind]:
            syscall_filter.add_rule(allow, name, is_int(index, target))
    for name, which in policy.PROCESS_PRIORITY:
        for target in targets["self"]:
            syscall_filter.add_rule(allow, name, is_int(0, which), is_int(1, target))
    return syscall_filter


def available() -> bool:
    """Whether this kernel filters system calls and the policy covers this machine."""
    return platform.machine() in ARCHITECTURES and "Seccomp_filters" in Path("/proc/self/status").read_text()


def load(syscall_filter) -> None:  # noqa: ANN001 (a pyseccomp filter)
    """Load ``syscall_filter`` into this process and all its threads, for good."""
    try:
        syscall_filter.load()
    except OSError as refused:
        raise ConfinementFailed(f"seccomp refused the filter: {refused}") from refused


def readable(arch: str, pid: int = 4242, serving: bool = False) -> str:
    """The filter as libseccomp prints it (pseudo filter code), for a fixed ``pid``: what reviewers read."""
    with tempfile.TemporaryFile("w+") as out:
        build_filter(pid, serving, arch).export_pfc(out)
        out.seek(0)
        return out.read()

