"""The allow-list every confinement layer reads: what confined code may touch, call and ask for.

One place for the policy, so that Landlock, seccomp and the audit hooks cannot drift apart:
``Allowed`` names the files (one folder to change, a list to read), the tuples below name the
system calls and the Python audit events. Nothing here installs anything.
"""
from __future__ import annotations

import os
import site
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Allowed:
    """What confined code may touch: ``workdir`` (read and write), ``readable`` (read only), ``devices`` (both)."""

    workdir: Path
    readable: tuple[Path, ...]
    devices: tuple[Path, ...] = (Path(os.devnull),)

    def resolved(self) -> Allowed:
        return Allowed(self.workdir.resolve(), tuple(p.resolve() for p in self.readable if p.exists()),
                       tuple(p.resolve() for p in self.devices if p.exists()))


SYSTEM_READABLE = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/etc/ld.so.cache",
                   "/dev/urandom", "/dev/random", "/dev/zero", "/proc/cpuinfo", "/proc/meminfo",
                   "/sys/devices/system/cpu", "/sys/devices/system/node")


def python_installation() -> list[Path]:
    """Python and its packages, the system libraries they load, and the device and /proc files torch reads."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    roots.add(os.path.dirname(os.path.realpath(sys.executable)))
    return [Path(root) for root in sorted(roots)] + [Path(p) for p in SYSTEM_READABLE] + [Path("/proc/self")]


# --- system calls (seccomp) ----------------------------------------------------------------

# Calls with no effect outside this process beyond what Landlock governs, most frequent first.
ALLOWED_SYSCALLS = (
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
SERVING_SYSCALLS = ("accept", "accept4", "recvfrom", "sendto", "recvmsg", "sendmsg", "getsockopt", "setsockopt",
                    "getsockname", "getpeername", "shutdown", "socketpair")
# ioctl requests that only ask about a descriptor or set its own flags; never TIOCSTI.
IOCTL_REQUESTS = {"TCGETS": 0x5401, "TIOCGWINSZ": 0x5413, "TIOCGPGRP": 0x540F, "FIONREAD": 0x541B,
                  "FIONBIO": 0x5421, "FIONCLEX": 0x5450, "FIOCLEX": 0x5451}
# fcntl commands on the descriptor itself: never F_SETOWN (8), F_SETSIG (10) or F_SETOWN_EX (15), which aim signals.
FCNTL_COMMANDS = (0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 16, 36, 37, 38, 1030, 1031, 1032, 1033, 1034)
# Calls allowed only on this process ("self": its pid or 0) or its own group ("group": also -pid, which it leads):
# (system call, argument naming the target, kind of target).
SELF_ONLY = (("kill", 0, "group"), ("tgkill", 0, "self"), ("rt_sigqueueinfo", 0, "self"),
             ("rt_tgsigqueueinfo", 0, "self"), ("sched_setaffinity", 0, "self"), ("sched_setscheduler", 0, "self"),
             ("sched_setparam", 0, "self"), ("sched_setattr", 0, "self"))
# (system call, the "which" value of its first argument that names one process, never a user or group);
# the second argument must then be this process: its own priority only.
PROCESS_PRIORITY = (("setpriority", 0), ("ioprio_set", 1))  # PRIO_PROCESS, IOPRIO_WHO_PROCESS
CLONE_THREAD = 0x00010000  # clone only for threads; clone3 answers ENOSYS so C libraries fall back to clone

# --- Python audit events (the audit hooks) --------------------------------------------------

PROCESS_EVENTS = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "os.startfile"}
REFUSED_EVENTS = PROCESS_EVENTS | {"socket.connect", "socket.bind", "socket.__new__", "sys._current_frames",
                                   "sys.settrace", "sys.setprofile", "os.chdir", "resource.setrlimit",
                                   "resource.prlimit", "gc.get_objects", "gc.get_referrers", "gc.get_referents"}
# Events that name files: (position of a path, position of the directory descriptor it is relative to).
PATH_ARGUMENTS = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),), "os.utime": ((0, 3),), "os.truncate": ((0, None),), "os.chflags": ((0, None),),
    "os.setxattr": ((0, None),), "os.removexattr": ((0, None),), "os.rename": ((0, 2), (1, 3)),
    "os.link": ((0, 2), (1, 3)), "os.symlink": ((0, None), (1, 2)), "shutil.rmtree": ((0, 1),),
    "shutil.move": ((0, None), (1, None)), "sqlite3.connect": ((0, None),),
}
LISTING_EVENTS = {"os.listdir", "os.scandir"}
