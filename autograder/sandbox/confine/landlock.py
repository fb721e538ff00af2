"""The Landlock layer (Linux 5.13+): the policy's files enforced by the kernel, against native code too.

Reads, directory listings and writes outside ``Allowed``; device ioctls (ABI 5); TCP bind and
connect (ABI 4); signals and abstract UNIX sockets outside the process (ABI 6). There is no
libseccomp for Landlock: its three system calls share one number on every architecture, and the
structures below are the kernel's ``linux/landlock.h``.
"""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

from autograder.sandbox.confine.errors import ConfinementFailed
from autograder.sandbox.confine.policy import Allowed

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_AND_REMOVE = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_ACCESS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV  # all a rule on a file may grant
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2
_RULESET_ATTR_SIZE = {1: 8, 2: 8, 3: 8, 4: 16, 5: 16}  # bytes of the attribute structure each ABI reads; then 24


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi(libc: ctypes.CDLL) -> int:
    """The Landlock ABI version this kernel offers; 0 or less when it offers none."""
    return libc.syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_long(0), ctypes.c_long(_CREATE_RULESET_VERSION))


def _handled_fs(version: int) -> int:
    """Every file-system right this ABI knows: what is not granted below is refused."""
    handled = _EXECUTE | _WRITE_FILE | _READ_FILE | _READ_DIR | _MAKE_AND_REMOVE
    return handled | (_REFER if version >= 2 else 0) | (_TRUNCATE if version >= 3 else 0) | (
        _IOCTL_DEV if version >= 5 else 0)


def rules(allowed: Allowed, version: int) -> list[tuple[Path, int]]:
    """(path, rights) for each place on the list; a rule on a file grants only file rights."""
    handled = _handled_fs(version)
    everything = handled & ~_EXECUTE & ~_IOCTL_DEV
    granted = [(allowed.workdir, everything)] + [(device, _READ_FILE | _WRITE_FILE) for device in allowed.devices]
    granted += [(path, _READ_FILE | _READ_DIR) for path in allowed.readable]
    return [(path, rights & (handled if path.is_dir() else _FILE_ACCESS)) for path, rights in granted]


def install(libc: ctypes.CDLL, allowed: Allowed, version: int) -> None:
    """Restrict this process, for good, to the rules above."""
    attributes = _RulesetAttr(_handled_fs(version), _NET_BIND_TCP | _NET_CONNECT_TCP if version >= 4 else 0,
                              _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if version >= 6 else 0)
    ruleset = libc.syscall(ctypes.c_long(_CREATE_RULESET), ctypes.byref(attributes),
                           ctypes.c_long(_RULESET_ATTR_SIZE.get(version, 24)), ctypes.c_long(0))
    if ruleset < 0:
        raise ConfinementFailed(f"Landlock refused the ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for path, access in rules(allowed, version):
            descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(access, descriptor)
                if libc.syscall(ctypes.c_long(_ADD_RULE), ctypes.c_long(ruleset), ctypes.c_long(_RULE_PATH_BENEATH),
                                ctypes.byref(rule), ctypes.c_long(0)):
                    raise ConfinementFailed(f"Landlock refused the rule for {path}: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(descriptor)
        if libc.syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_long(ruleset), ctypes.c_long(0)):
            raise ConfinementFailed(f"Landlock could not restrict the worker: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
