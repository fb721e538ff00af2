"""What the worker locks before it runs student code: kernel filters first, then audit hooks.

Kernel layers, where Linux has them, hold even against native code (ctypes, torch's C++, an
extension module): a seccomp filter refuses starting processes, signalling, tracing or limiting
other processes, raising resource limits and making device files; Landlock lets the worker write
only in its working directory and read nothing in the hidden checks' folder. Python audit hooks
(PEP 578) then refuse, with clear messages, starting processes, signalling, ctypes, network
connections, changing directory, reading the hidden checks, extension modules from outside
Python's own folders, and writing, deleting or renaming files, or changing their metadata,
outside the working directory. Audit hooks cannot be removed from Python code but are no
boundary against native code; the sandbox's resource limits and the grader's separate process
are the other layers.
"""
from __future__ import annotations

import ctypes
import importlib.machinery
import os
import platform
import site
import sys
from pathlib import Path

# --- audit hooks ---------------------------------------------------------------------------

_PROCESS_EVENTS = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "os.startfile"}
_REFUSED_EVENTS = _PROCESS_EVENTS | {"socket.connect", "socket.bind", "sys._current_frames", "sys.settrace",
                                     "sys.setprofile", "os.chdir", "resource.setrlimit", "resource.prlimit"}
# Events that name files: (position of a path, position of the directory descriptor it is relative to).
_PATH_ARGUMENTS = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),), "os.utime": ((0, 3),), "os.truncate": ((0, None),), "os.chflags": ((0, None),),
    "os.setxattr": ((0, None),), "os.removexattr": ((0, None),), "os.rename": ((0, 2), (1, 3)),
    "os.link": ((0, 2), (1, 3)), "os.symlink": ((0, None), (1, 2)), "shutil.rmtree": ((0, 1),),
    "shutil.move": ((0, None), (1, None)), "sqlite3.connect": ((0, None),),
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _open_on(descriptor: int) -> Path | None:
    """The file a descriptor is open on: chmod, chown or truncate through a descriptor names no path."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{descriptor}")).resolve()
    except OSError:
        return None


def _target(value: object, directory: object = None) -> Path | None:
    """Where a path argument points, through a descriptor or relative to a directory descriptor (``dir_fd``)."""
    if isinstance(value, int):
        return _open_on(value)
    if not isinstance(value, (str, bytes, os.PathLike)):
        return None
    path = Path(os.fsdecode(value))
    if isinstance(directory, int) and not path.is_absolute():
        base = _open_on(directory)
        path = base / path if base else path
    return path.resolve()


def _trusted_roots() -> list[Path]:
    """Where Python and its installed packages live: the only places extension modules may come from."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    return [Path(root).resolve() for root in roots]


def _audit_hook(workdir: Path, secret: Path):  # noqa: ANN202 (the hook)
    """The hook, a closure: student code cannot reach the folders it allows."""
    trusted = _trusted_roots()

    def inside(path: Path, folder: Path) -> bool:
        return path == folder or folder in path.parents

    def hook(event: str, args: tuple) -> None:
        if event in _REFUSED_EVENTS or event.startswith("ctypes."):
            raise PermissionError(f"the grader does not allow {event}")
        if event == "open":
            path = None if isinstance(args[0], int) else _target(args[0])  # an open descriptor is no new access
            if path is None:
                return
            mode, flags = args[1] or "", args[2] or 0
            if inside(path, secret):
                raise PermissionError("the grader's hidden checks are not readable")
            writing = any(c in mode for c in "wax+") or flags & _WRITE_FLAGS
            if writing and not inside(path, workdir):
                raise PermissionError(f"writing {path} is not allowed; only the working directory is writable")
            if not inside(path, workdir) and path.is_dir():
                raise PermissionError("opening folders outside the working directory is not allowed")
        elif event == "import" and isinstance(args[1], str) and args[1].endswith(
                tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            path = Path(args[1]).resolve()
            if not any(inside(path, root) for root in trusted):
                raise PermissionError(f"extension modules from {path.parent} are not allowed")
        elif event in _PATH_ARGUMENTS and not (event == "sqlite3.connect" and args[0] in (":memory:", "")):
            for position, directory in _PATH_ARGUMENTS[event]:
                path = _target(args[position], args[directory] if directory is not None else None)
                if path is not None and not inside(path, workdir):
                    raise PermissionError(f"{event} on {path} is not allowed")

    return hook


# --- kernel layers -------------------------------------------------------------------------

# Syscall numbers: (x86_64, aarch64); None where the architecture has no such call.
_SYSCALLS = {
    "fork": (57, None), "vfork": (58, None), "execve": (59, 221), "execveat": (322, 281), "clone": (56, 220),
    "clone3": (435, 435), "kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138), "rt_tgsigqueueinfo": (297, 240), "pidfd_open": (434, 434),
    "pidfd_send_signal": (424, 424), "pidfd_getfd": (438, 438), "ptrace": (101, 117),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271), "setrlimit": (160, 164),
    "prlimit64": (302, 261), "mknod": (133, None), "mknodat": (259, 33), "setpriority": (141, 140),
    "ioprio_set": (251, 30), "sched_setaffinity": (203, 122), "sched_setscheduler": (144, 119),
    "sched_setparam": (142, 118), "seccomp": (317, 277),
}
_ARCHITECTURES = {"x86_64": (0, 0xC000003E), "aarch64": (1, 0xC00000B7)}  # column above, AUDIT_ARCH_*
_REFUSED_SYSCALLS = ("fork", "vfork", "execve", "execveat", "tkill", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
                     "ptrace", "process_vm_readv", "process_vm_writev", "setrlimit", "mknod", "mknodat")
# Calls allowed only on this process: (syscall, argument that names the target).
_SELF_ONLY = (("kill", 0), ("tgkill", 0), ("rt_sigqueueinfo", 0), ("rt_tgsigqueueinfo", 0), ("setpriority", 1),
              ("ioprio_set", 1), ("sched_setaffinity", 0), ("sched_setscheduler", 0), ("sched_setparam", 0))
_ALLOW, _EPERM, _ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
_LOAD, _JEQ, _JSET, _JGE, _RET = 0x20, 0x15, 0x45, 0x35, 0x06
_CLONE_THREAD, _X32_BIT = 0x00010000, 0x40000000
_PR_SET_NO_NEW_PRIVS, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 38, 1, 1
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Instruction))]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _argument(index: int, high: bool = False) -> int:
    """Offset of a syscall argument's low (or high) 32 bits in ``struct seccomp_data``."""
    return 16 + 8 * index + (4 if high else 0)


def _seccomp_program(column: int, audit_arch: int, pid: int) -> list[tuple[int, int, int, int]]:
    """A BPF filter: refuse the calls above, allow the self-only ones on this process alone, allow the rest."""
    number = {name: numbers[column] for name, numbers in _SYSCALLS.items() if numbers[column] is not None}
    program = [(_LOAD, 0, 0, 4), (_JEQ, 1, 0, audit_arch), (_RET, 0, 0, _EPERM), (_LOAD, 0, 0, 0)]
    if column == 0:
        program += [(_JGE, 0, 1, _X32_BIT), (_RET, 0, 0, _EPERM)]
    for name in _REFUSED_SYSCALLS:
        if name in number:
            program += [(_JEQ, 0, 1, number[name]), (_RET, 0, 0, _EPERM)]
    program += [(_JEQ, 0, 1, number["clone3"]), (_RET, 0, 0, _ENOSYS)]  # C libraries then use clone
    program += [(_JEQ, 0, 4, number["clone"]), (_LOAD, 0, 0, _argument(0)), (_JSET, 0, 1, _CLONE_THREAD),
                (_RET, 0, 0, _ALLOW), (_RET, 0, 0, _EPERM)]  # threads only
    program += [(_JEQ, 0, 6, number["prlimit64"]), (_LOAD, 0, 0, _argument(2)), (_JEQ, 0, 2, 0),
                (_LOAD, 0, 0, _argument(2, high=True)), (_JEQ, 1, 0, 0), (_RET, 0, 0, _EPERM),
                (_RET, 0, 0, _ALLOW)]  # reading limits only
    me = [pid, 0, (-pid) & 0xFFFFFFFF]  # this process, its own group (it leads it), the group by number
    for name, index in _SELF_ONLY:
        program += [(_JEQ, 0, len(me) + 3, number[name]), (_LOAD, 0, 0, _argument(index))]
        program += [(_JEQ, len(me) - i, 0, value) for i, value in enumerate(me)]
        program += [(_RET, 0, 0, _EPERM), (_RET, 0, 0, _ALLOW)]
    return program + [(_RET, 0, 0, _ALLOW)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _install_seccomp(libc: ctypes.CDLL) -> None:
    column, audit_arch = _ARCHITECTURES.get(platform.machine(), (None, None))
    if column is None:
        return
    program = _seccomp_program(column, audit_arch, os.getpid())
    instructions = (_Instruction * len(program))(*[_Instruction(*step) for step in program])
    libc.syscall(ctypes.c_long(_SYSCALLS["seccomp"][column]), ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
                 ctypes.c_long(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(_Program(len(program), instructions)))


def _landlock_abi(libc: ctypes.CDLL) -> int:
    return libc.syscall(ctypes.c_long(_LANDLOCK_CREATE), None, ctypes.c_long(0), ctypes.c_long(1))


def _readable_around(secret: Path) -> list[Path]:
    """Everything except ``secret``: the siblings of ``secret`` and of each folder above it."""
    if not secret.exists():
        return [Path("/")]
    around = []
    for folder, step in zip(secret.parents, [secret, *secret.parents]):
        around += [entry for entry in folder.iterdir() if entry != step]
    return around


def _install_landlock(libc: ctypes.CDLL, workdir: Path, secret: Path) -> None:
    abi = _landlock_abi(libc)
    if abi < 1:
        return
    read_file = 1 << 2
    write = sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove and make anything
    write |= (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)  # refer, truncate
    handled = ctypes.c_uint64(read_file | write)
    ruleset = libc.syscall(ctypes.c_long(_LANDLOCK_CREATE), ctypes.byref(handled), ctypes.c_long(8), ctypes.c_long(0))
    if ruleset < 0:
        return
    try:
        rules = [(workdir, read_file | write)] + [(path, read_file) for path in _readable_around(secret)]
        for path, access in rules:
            try:
                descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # gone since it was listed
            rule = _PathBeneath(access, descriptor)
            libc.syscall(ctypes.c_long(_LANDLOCK_ADD_RULE), ctypes.c_long(ruleset), ctypes.c_long(1),
                         ctypes.byref(rule), ctypes.c_long(0))
            os.close(descriptor)
        libc.syscall(ctypes.c_long(_LANDLOCK_RESTRICT), ctypes.c_long(ruleset), ctypes.c_long(0))
    finally:
        os.close(ruleset)


def available_layers() -> set[str]:
    """The kernel layers this machine offers: ``seccomp`` and ``landlock`` (tests skip what needs a missing one)."""
    layers: set[str] = set()
    if not sys.platform.startswith("linux"):  # a student grading on their own Mac or BSD: audit hooks only
        return layers
    if platform.machine() in _ARCHITECTURES and "Seccomp_filters" in Path("/proc/self/status").read_text():
        layers.add("seccomp")
    if _landlock_abi(_libc()) >= 1:
        layers.add("landlock")
    return layers


def install(workdir: Path, secret: Path) -> None:
    """Lock this process for good: ``workdir`` is the only writable place, ``secret`` is unreadable.

    The kernel layers need "no new privileges" (the worker never starts a program anyway); where
    the kernel lacks one, the audit hooks still apply.
    """
    workdir, secret = workdir.resolve(), secret.resolve()
    if sys.platform.startswith("linux"):  # elsewhere these calls do not exist or mean something else
        libc = _libc()
        libc.prctl(ctypes.c_int(_PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0))
        _install_landlock(libc, workdir, secret)
        _install_seccomp(libc)
    sys.addaudithook(_audit_hook(workdir, secret))
