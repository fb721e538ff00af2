"""What confines student code: an allow-list of what it may read and write, enforced in layers.

``Allowed`` names the only places confined code may touch: one folder it may change (its
working directory) and what it may read (Python's installation, the modules it needs, the
grader's fixture data, a few device and ``/proc/self`` files). ``install`` locks the current
process to that list for good, before any student code runs:

- **capabilities**: every set emptied (effective, permitted, inheritable, ambient, and the
  bounding set where the process may drop it) and ``no_new_privs``, whatever user runs it;
- **Landlock** (Linux 5.13+) enforces the list itself in the kernel, against native code too:
  reads, directory listings, writes, no TCP, no device ioctls and, from ABI 6, no signals or
  abstract sockets outside the worker;
- **seccomp** allows only the system calls Python and torch need, with arguments checked where
  a call could reach another process (signals, ``F_SETOWN``, priorities) or a terminal
  (``ioctl``): no new processes, no sockets, no tracing;
- **audit hooks** (PEP 578) enforce the same list with clear messages. They are a convenience
  layer, not a boundary: code that finds the hook (``gc``) can replace it, and native code never
  meets it. On macOS and kernels without Landlock they are the only read confinement, which
  ``layers`` then says, and the grader reports.

If a layer the kernel offers cannot be installed, ``install`` raises: confined code never runs
silently unconfined.
"""
from __future__ import annotations

import ctypes
import importlib.machinery
import os
import platform
import site
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.syscalls import NUMBERS


class ConfinementFailed(RuntimeError):
    """A layer this machine offers could not be installed: refuse to run student code."""


@dataclass(frozen=True)
class Allowed:
    """What confined code may touch: ``workdir`` (read and write), ``readable`` (read only), ``devices`` (both)."""

    workdir: Path
    readable: tuple[Path, ...]
    devices: tuple[Path, ...] = (Path(os.devnull),)

    def resolved(self) -> Allowed:
        return Allowed(self.workdir.resolve(), tuple(p.resolve() for p in self.readable if p.exists()),
                       tuple(p.resolve() for p in self.devices if p.exists()))


_SYSTEM_READABLE = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/etc/ld.so.cache",
                    "/dev/urandom", "/dev/random", "/dev/zero", "/proc/cpuinfo", "/proc/meminfo",
                    "/sys/devices/system/cpu", "/sys/devices/system/node")


def python_installation() -> list[Path]:
    """Python and its packages, the system libraries they load, and the device and /proc files torch reads."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    roots.add(os.path.dirname(os.path.realpath(sys.executable)))
    return [Path(root) for root in sorted(roots)] + [Path(p) for p in _SYSTEM_READABLE] + [Path("/proc/self")]


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it (both resolved)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# --- audit hooks ---------------------------------------------------------------------------

_PROCESS_EVENTS = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "os.startfile"}
_REFUSED_EVENTS = _PROCESS_EVENTS | {"socket.connect", "socket.bind", "socket.__new__", "sys._current_frames",
                                     "sys.settrace", "sys.setprofile", "os.chdir", "resource.setrlimit",
                                     "resource.prlimit", "gc.get_objects", "gc.get_referrers", "gc.get_referents"}
# Events that name files: (position of a path, position of the directory descriptor it is relative to).
_PATH_ARGUMENTS = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),), "os.utime": ((0, 3),), "os.truncate": ((0, None),), "os.chflags": ((0, None),),
    "os.setxattr": ((0, None),), "os.removexattr": ((0, None),), "os.rename": ((0, 2), (1, 3)),
    "os.link": ((0, 2), (1, 3)), "os.symlink": ((0, None), (1, 2)), "shutil.rmtree": ((0, 1),),
    "shutil.move": ((0, None), (1, None)), "sqlite3.connect": ((0, None),),
}
_LISTING_EVENTS = {"os.listdir", "os.scandir"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _audit_hook(allowed: Allowed):  # noqa: ANN202 (the hook)
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
        if event in _REFUSED_EVENTS or event.startswith("ctypes.") or (
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
        elif event in _LISTING_EVENTS:
            path = target(args[0] if args[0] is not None else ".")
            if path is not None and not (inside(path, workdir) or any(inside(path, root) for root in readable)):
                raise PermissionError(f"listing {path} is not allowed")
        elif event == "import" and isinstance(args[1], str) and args[1].endswith(extensions):
            path = realpath(args[1])
            if not any(inside(path, root) for root in trusted):
                raise PermissionError(f"extension modules from {os.path.dirname(path)} are not allowed")
        elif event in _PATH_ARGUMENTS and not (event == "sqlite3.connect" and args[0] in (":memory:", "")):
            for position, directory in _PATH_ARGUMENTS[event]:
                path = target(args[position], args[directory] if directory is not None else None)
                if path is not None and not inside(path, workdir):
                    raise PermissionError(f"{event} on {path} is not allowed")

    return hook


# --- capabilities --------------------------------------------------------------------------

_PR_CAPBSET_DROP, _PR_SET_SECUREBITS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 28, 47, 4
_PR_SET_NO_NEW_PRIVS = 38
_SECUREBITS_LOCKED_NOROOT = 0x3F  # noroot, no setuid fixup, keep caps off: each set and locked
_CAP_SETPCAP = 8
_CAP_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def capability_sets() -> dict[str, int]:
    """This process's capability sets and no_new_privs, as /proc/self/status shows them."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    sets = {name: int(fields[name], 16) for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    return {**sets, "NoNewPrivs": int(fields["NoNewPrivs"])}


def _prctl(libc: ctypes.CDLL, option: int, argument: int = 0, third: int = 0) -> int:
    return libc.prctl(ctypes.c_int(option), ctypes.c_ulong(argument), ctypes.c_ulong(third), ctypes.c_ulong(0),
                      ctypes.c_ulong(0))


def _drop_capabilities(libc: ctypes.CDLL) -> None:
    """Empty every capability set and set no_new_privs; raise if any set is left with something in it.

    A process holding CAP_SETPCAP (root) also drops the bounding set and locks "root has no
    powers" (securebits). One without it cannot drop its bounding set; with no_new_privs and no
    ``execve`` it can never gain from it.
    """
    may_drop_bounding = bool(capability_sets()["CapEff"] & (1 << _CAP_SETPCAP))
    if may_drop_bounding:
        _prctl(libc, _PR_SET_SECUREBITS, _SECUREBITS_LOCKED_NOROOT)
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
        for capability in range(last + 1):
            _prctl(libc, _PR_CAPBSET_DROP, capability)
    _prctl(libc, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL)
    data = (_CapData * 2)()
    libc.capset(ctypes.byref(_CapHeader(_CAP_VERSION_3, 0)), data)
    _prctl(libc, _PR_SET_NO_NEW_PRIVS, 1)
    sets = capability_sets()
    held = {name: value for name, value in sets.items() if name not in ("CapBnd", "NoNewPrivs") and value}
    if held or not sets["NoNewPrivs"] or (may_drop_bounding and sets["CapBnd"]):
        raise ConfinementFailed(f"could not drop privileges: {sets}")


# --- seccomp -------------------------------------------------------------------------------

_ARCHITECTURES = {"x86_64": (0, 0xC000003E), "aarch64": (1, 0xC00000B7)}  # column of NUMBERS, AUDIT_ARCH_*
# Calls with no effect outside this process beyond what Landlock governs, most frequent first.
_ALLOWED_SYSCALLS = (
    "read", "write", "newfstatat", "mmap", "munmap", "futex", "lseek", "openat", "close", "mprotect", "brk",
    "getdents64", "fstat", "stat", "lstat", "statx", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
    "preadv2", "pwritev2", "open", "openat2", "close_range", "creat", "statfs", "fstatfs", "access", "faccessat",
    "faccessat2", "readlink", "readlinkat", "getdents", "dup", "dup2", "dup3", "pipe", "pipe2", "fsync",
    "fdatasync", "sync_file_range", "ftruncate", "truncate", "fallocate", "flock", "fadvise64", "readahead",
    "sendfile", "copy_file_range", "splice", "tee", "rename", "renameat", "renameat2", "unlink", "unlinkat",
    "mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "chown",
    "fchown", "lchown", "fchownat", "utime", "utimes", "utimensat", "futimesat", "getcwd", "chdir", "fchdir",
    "umask", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "mremap", "madvise",
    "mincore", "msync", "membarrier", "get_mempolicy", "set_mempolicy", "mbind", "poll", "ppoll", "select",
    "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd", "signalfd4",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "times", "getitimer",
    "setitimer", "alarm", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
    "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
    "getresgid", "getpgid", "getpgrp", "getsid", "getrusage", "getrlimit", "sysinfo", "uname", "getpriority",
    "getcpu", "sched_getaffinity", "sched_yield", "sched_getparam", "sched_getscheduler", "sched_getattr",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "capget", "ioprio_get", "prctl",
    "arch_prctl", "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "futex_waitv",
    "restart_syscall", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
    "rt_sigtimedwait", "rt_sigsuspend", "sigaltstack", "pause", "wait4", "waitid", "getrandom",
)
# For a Jupyter kernel whose sockets were bound before it was confined: serving them, never new ones.
_SERVING_SYSCALLS = ("accept", "accept4", "recvfrom", "sendto", "recvmsg", "sendmsg", "getsockopt", "setsockopt",
                     "getsockname", "getpeername", "shutdown", "socketpair")
# ioctl requests that only ask about a descriptor (isatty, window size) or set its own flags; never TIOCSTI.
_IOCTL_REQUESTS = (0x5401, 0x5413, 0x540F, 0x541B, 0x5421, 0x5450, 0x5451)  # TCGETS TIOCGWINSZ TIOCGPGRP FIONREAD
# FIONBIO FIONCLEX FIOCLEX
# fcntl commands on the descriptor itself: never F_SETOWN (8), F_SETSIG (10) or F_SETOWN_EX (15), which aim signals.
_FCNTL_COMMANDS = (0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 16, 36, 37, 38, 1030, 1031, 1032, 1033, 1034)
# Calls allowed only on this process or its own group: (syscall, argument naming the target, kind of target).
_SELF_ONLY = (("kill", 0, "group"), ("tgkill", 0, "self"), ("rt_sigqueueinfo", 0, "self"),
              ("rt_tgsigqueueinfo", 0, "self"), ("sched_setaffinity", 0, "self"), ("sched_setscheduler", 0, "self"),
              ("sched_setparam", 0, "self"), ("sched_setattr", 0, "self"))
_PRIO_PROCESS, _IOPRIO_WHO_PROCESS = 0, 1
_ALLOW, _EPERM, _ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
_LOAD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_CLONE_THREAD, _X32_BIT = 0x00010000, 0x40000000
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1
Instruction = tuple[int, int, int, int]


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Instruction))]


def _argument(index: int, high: bool = False) -> int:
    """Offset of a syscall argument's low (or high) 32 bits in ``struct seccomp_data``."""
    return 16 + 8 * index + (4 if high else 0)


def _one_of(index: int, values: list[int] | tuple[int, ...]) -> list[Instruction]:
    """Allow the call if argument ``index`` (its low 32 bits, all the kernel reads of an int) is one of ``values``."""
    program = [(_LOAD, 0, 0, _argument(index))]
    program += [(_JEQ, len(values) - i, 0, value) for i, value in enumerate(values)]
    return program + [(_RET, 0, 0, _EPERM), (_RET, 0, 0, _ALLOW)]


def _seccomp_program(column: int, audit_arch: int, pid: int, serving: bool = False) -> list[Instruction]:
    """A BPF allow-list: the calls above, the argument-checked ones on this process only, EPERM for the rest.

    ``serving``: also the calls that serve sockets already open (a Jupyter kernel's), never ``socket``,
    ``bind``, ``listen`` or ``connect``.
    """
    number = {name: numbers[column] for name, numbers in NUMBERS.items() if numbers[column] is not None}
    me = {"self": [pid, 0], "group": [pid, 0, (-pid) & 0xFFFFFFFF]}  # it leads its own process group
    program = [(_LOAD, 0, 0, 4), (_JEQ, 1, 0, audit_arch), (_RET, 0, 0, _EPERM), (_LOAD, 0, 0, 0)]
    if column == 0:
        program += [(_JGE, 0, 1, _X32_BIT), (_RET, 0, 0, _EPERM)]  # any x32 call
    for name in _ALLOWED_SYSCALLS + (_SERVING_SYSCALLS if serving else ()):
        if name in number:
            program += [(_JEQ, 0, 1, number[name]), (_RET, 0, 0, _ALLOW)]
    checked = {
        "ioctl": _one_of(1, _IOCTL_REQUESTS),
        "fcntl": _one_of(1, _FCNTL_COMMANDS),
        "clone": [(_LOAD, 0, 0, _argument(0)), (_JSET, 1, 0, _CLONE_THREAD), (_RET, 0, 0, _EPERM),
                  (_RET, 0, 0, _ALLOW)],  # threads only
        "clone3": [(_RET, 0, 0, _ENOSYS)],  # C libraries then use clone
        "prlimit64": [(_LOAD, 0, 0, _argument(2)), (_JEQ, 0, 2, 0), (_LOAD, 0, 0, _argument(2, high=True)),
                      (_JEQ, 1, 0, 0), (_RET, 0, 0, _EPERM), (_RET, 0, 0, _ALLOW)],  # reading limits only
        "setpriority": [(_LOAD, 0, 0, _argument(0)), (_JEQ, 1, 0, _PRIO_PROCESS), (_RET, 0, 0, _EPERM),
                        *_one_of(1, me["self"])],  # its own priority, never its user's or group's
        "ioprio_set": [(_LOAD, 0, 0, _argument(0)), (_JEQ, 1, 0, _IOPRIO_WHO_PROCESS), (_RET, 0, 0, _EPERM),
                       *_one_of(1, me["self"])],
    }
    checked.update({name: _one_of(index, me[kind]) for name, index, kind in _SELF_ONLY})
    for name, body in checked.items():  # each body ends in a return: the accumulator still holds the number
        if name in number:
            program += [(_JEQ, 0, len(body), number[name]), *body]
    return program + [(_RET, 0, 0, _EPERM)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _install_seccomp(libc: ctypes.CDLL, serving: bool) -> None:
    column, audit_arch = _ARCHITECTURES[platform.machine()]
    program = _seccomp_program(column, audit_arch, os.getpid(), serving)
    instructions = (_Instruction * len(program))(*[_Instruction(*step) for step in program])
    if libc.syscall(ctypes.c_long(NUMBERS["seccomp"][column]), ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
                    ctypes.c_long(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(_Program(len(program), instructions))):
        raise ConfinementFailed(f"seccomp refused the filter: {os.strerror(ctypes.get_errno())}")


# --- Landlock ------------------------------------------------------------------------------

_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_AND_REMOVE = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_ACCESS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV  # all a rule on a file may grant
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _landlock_abi(libc: ctypes.CDLL) -> int:
    return libc.syscall(ctypes.c_long(_LANDLOCK_CREATE), None, ctypes.c_long(0), ctypes.c_long(1))


def _handled_fs(abi: int) -> int:
    """Every file-system right this ABI knows: what is not granted below is refused."""
    handled = _EXECUTE | _WRITE_FILE | _READ_FILE | _READ_DIR | _MAKE_AND_REMOVE
    return handled | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0) | (_IOCTL_DEV if abi >= 5 else 0)


def landlock_rules(allowed: Allowed, abi: int) -> list[tuple[Path, int]]:
    """(path, rights) for each place on the list; a rule on a file grants only file rights."""
    handled = _handled_fs(abi)
    everything = handled & ~_EXECUTE & ~_IOCTL_DEV
    rules = [(allowed.workdir, everything)] + [(device, _READ_FILE | _WRITE_FILE) for device in allowed.devices]
    rules += [(path, _READ_FILE | _READ_DIR) for path in allowed.readable]
    return [(path, rights & (handled if path.is_dir() else _FILE_ACCESS)) for path, rights in rules]


def _install_landlock(libc: ctypes.CDLL, allowed: Allowed, abi: int) -> None:
    sizes = {1: 8, 2: 8, 3: 8, 4: 16, 5: 16}
    attributes = _RulesetAttr(_handled_fs(abi), _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
                              _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0)
    ruleset = libc.syscall(ctypes.c_long(_LANDLOCK_CREATE), ctypes.byref(attributes),
                           ctypes.c_long(sizes.get(abi, 24)), ctypes.c_long(0))
    if ruleset < 0:
        raise ConfinementFailed(f"Landlock refused the ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for path, access in landlock_rules(allowed, abi):
            descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(access, descriptor)
                if libc.syscall(ctypes.c_long(_LANDLOCK_ADD_RULE), ctypes.c_long(ruleset), ctypes.c_long(1),
                                ctypes.byref(rule), ctypes.c_long(0)):
                    raise ConfinementFailed(f"Landlock refused the rule for {path}: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(descriptor)
        if libc.syscall(ctypes.c_long(_LANDLOCK_RESTRICT), ctypes.c_long(ruleset), ctypes.c_long(0)):
            raise ConfinementFailed(f"Landlock could not restrict the worker: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)


# --- all of it -----------------------------------------------------------------------------

def available_layers() -> set[str]:
    """The kernel layers this machine offers: ``seccomp``, ``landlock`` (and ``landlock-scoping``, ABI 6)."""
    layers: set[str] = set()
    if not sys.platform.startswith("linux"):  # a student grading on their own Mac or BSD: audit hooks only
        return layers
    if platform.machine() in _ARCHITECTURES and "Seccomp_filters" in Path("/proc/self/status").read_text():
        layers.add("seccomp")
    abi = _landlock_abi(_libc())
    layers |= {"landlock"} if abi >= 1 else set()
    layers |= {"landlock-scoping"} if abi >= 6 else set()
    return layers


def install_kernel_layers(allowed: Allowed, serving: bool = False) -> list[str]:
    """Capabilities, Landlock and seccomp, as far as this machine offers them; the layers now in force.

    ``serving``: the process may go on serving the sockets it has open (a Jupyter kernel's), no others.

    Raises ``ConfinementFailed`` if a layer this machine offers cannot be installed.
    """
    if not sys.platform.startswith("linux"):  # elsewhere these calls do not exist or mean something else
        return []
    allowed = allowed.resolved()
    libc = _libc()
    offered = available_layers()
    _drop_capabilities(libc)
    layers = ["capabilities"]
    if "landlock" in offered:
        _install_landlock(libc, allowed, _landlock_abi(libc))
        layers += sorted(offered & {"landlock", "landlock-scoping"})
    if "seccomp" in offered:
        _install_seccomp(libc, serving)
        layers.append("seccomp")
    return layers


def install(allowed: Allowed, serving: bool = False) -> list[str]:
    """Lock this process for good to ``allowed``: the kernel layers, then the audit hooks; the layers in force."""
    layers = install_kernel_layers(allowed, serving)
    sys.addaudithook(_audit_hook(allowed.resolved()))
    return layers + ["audit hooks"]
