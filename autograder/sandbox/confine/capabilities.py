"""The capabilities layer: every capability set emptied and ``no_new_privs`` set, whatever user runs it.

A process holding CAP_SETPCAP (root) also drops the bounding set and locks "root has no powers"
(securebits). One without it cannot drop its bounding set; with ``no_new_privs`` and no
``execve`` (seccomp) it can never gain from it.
"""
from __future__ import annotations

import ctypes
from pathlib import Path

from autograder.sandbox.confine.errors import ConfinementFailed

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


def install(libc: ctypes.CDLL) -> None:
    """Empty every capability set and set no_new_privs; raise if any set is left with something in it."""
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
