"""What confines student code: the allow-list of ``policy``, enforced in layers, one module each.

``install`` locks the current process to an ``Allowed`` for good, before any student code runs:

- ``capabilities``: every set emptied and ``no_new_privs``, whatever user runs it;
- ``landlock`` (Linux 5.13+): the files, TCP, device ioctls and signal scoping, in the kernel;
- ``seccomp``: the system calls, built by libseccomp with arguments checked where a call could
  reach another process (signals, ``F_SETOWN``, priorities) or a terminal (``ioctl``);
- ``audit``: the same allow-list as Python audit hooks, with clear messages (not a boundary).

If a layer this machine offers cannot be installed (libseccomp missing included), ``install``
raises ``ConfinementFailed``: confined code never runs silently unconfined.
"""
from __future__ import annotations

import os
import sys

from autograder.sandbox.confine import audit, capabilities, landlock, seccomp
from autograder.sandbox.confine.errors import ConfinementFailed
from autograder.sandbox.confine.libc import libc
from autograder.sandbox.confine.policy import Allowed, python_installation

__all__ = ["Allowed", "ConfinementFailed", "available_layers", "install", "install_kernel_layers",
           "python_installation"]


def available_layers() -> set[str]:
    """The kernel layers this machine offers: ``seccomp``, ``landlock`` (and ``landlock-scoping``, ABI 6)."""
    layers: set[str] = set()
    if not sys.platform.startswith("linux"):  # a student grading on their own Mac or BSD: audit hooks only
        return layers
    if seccomp.available():
        layers.add("seccomp")
    version = landlock.abi(libc())
    layers |= {"landlock"} if version >= 1 else set()
    layers |= {"landlock-scoping"} if version >= 6 else set()
    return layers


def install_kernel_layers(allowed: Allowed, serving: bool = False) -> list[str]:
    """Capabilities, Landlock and seccomp, as far as this machine offers them; the layers now in force.

    ``serving``: the process may go on serving the sockets it has open (a Jupyter kernel's), no others.
    """
    if not sys.platform.startswith("linux"):  # elsewhere these calls do not exist or mean something else
        return []
    allowed = allowed.resolved()
    library = libc()
    offered = available_layers()
    # Built first: libseccomp is found (and pyseccomp imported) while this process may still run ldconfig.
    syscall_filter = seccomp.build_filter(os.getpid(), serving) if "seccomp" in offered else None
    capabilities.install(library)
    layers = ["capabilities"]
    if "landlock" in offered:
        landlock.install(library, allowed, landlock.abi(library))
        layers += sorted(offered & {"landlock", "landlock-scoping"})
    if syscall_filter is not None:
        seccomp.load(syscall_filter)
        layers.append("seccomp")
    return layers


def install(allowed: Allowed, serving: bool = False) -> list[str]:
    """Lock this process for good to ``allowed``: the kernel layers, then the audit hooks; the layers in force."""
    layers = install_kernel_layers(allowed, serving)
    sys.addaudithook(audit.audit_hook(allowed.resolved()))
    return layers + ["audit hooks"]
