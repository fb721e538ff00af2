"""Do the kernel layers alone hold, as if a submission had switched the audit hooks off?

A child process installs only the kernel layers (capabilities, Landlock, seccomp) with the
worker's allow-list, then tries, with ctypes and plain ``os`` calls that no audit hook sees, what
a submission that disabled the hooks would: read the repository and the user's home, list the
hidden checks, read the grader's environment, write outside its folder, open sockets, push
keystrokes into a terminal it was handed, aim signals at its parent with ``F_SETOWN``, renice
its user, signal its parent, start a process. Each must fail; reading Python and working in
its own folder must not.
"""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox.confine import available_layers

REPO_ROOT = Path(__file__).resolve().parents[3]
NEEDED = {"landlock", "seccomp"}

CHILD = textwrap.dedent("""
    import ctypes, fcntl, json, os, socket, sys, termios
    from pathlib import Path
    from autograder.sandbox import confine
    from autograder.sandbox.confine.capabilities import capability_sets

    workdir, repo, terminal = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    layers = confine.install_kernel_layers(confine.Allowed(workdir, tuple(confine.python_installation())))
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.path.expanduser("~")
    attempts = {
        "read the reference": lambda: open(repo / "solutions" / "vae" / "vae.ipynb").read(1),
        "read a hidden check": lambda: open(repo / "autograder" / "hidden" / "vae_loss.py").read(1),
        "read a git object": lambda: os.listdir(repo / ".git"),
        "list the hidden checks": lambda: os.listdir(repo / "autograder" / "hidden"),
        "list the root folder": lambda: os.listdir("/"),
        "list the home folder": lambda: os.listdir(home),
        "read the grader's environment": lambda: open(f"/proc/{os.getppid()}/environ").read(1),
        "write outside": lambda: open(workdir.parent / "outside.txt", "w").write("x"),
        "open a TCP socket": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
        "open a UDP socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
        "open a UNIX socket": lambda: socket.socket(socket.AF_UNIX),
        "TIOCSTI into the terminal": lambda: fcntl.ioctl(terminal, termios.TIOCSTI, b"x"),
        "F_SETOWN to the parent": lambda: fcntl.fcntl(os.pipe()[1], fcntl.F_SETOWN, os.getppid()),
        "F_SETSIG": lambda: fcntl.fcntl(os.pipe()[1], 10, 9),
        "FIOSETOWN ioctl": lambda: fcntl.ioctl(os.pipe()[1], 0x8901, ctypes.c_int(os.getppid())),
        "renice the user": lambda: os.setpriority(os.PRIO_USER, 0, 19),
        "renice the parent": lambda: os.setpriority(os.PRIO_PROCESS, os.getppid(), 19),
        "signal the parent": lambda: os.kill(os.getppid(), 0),
        "signal through libc": lambda: (libc.kill(os.getppid(), 0) == 0) or 1 / 0,
        "fork": lambda: os.fork() or os._exit(0),
        "execute a program": lambda: os.execv("/bin/true", ["true"]),
    }
    refused, allowed = [], []
    for name, attempt in attempts.items():
        try:
            attempt()
            allowed.append(name)
        except (OSError, ZeroDivisionError):
            refused.append(name)
    open(workdir / "mine.txt", "w").write("its own folder works")
    works = [open(workdir / "mine.txt").read(), str(len(os.listdir(os.path.dirname(os.__file__))) > 10)]
    print(json.dumps({"layers": layers, "allowed": allowed, "refused": refused, "works": works,
                      "status": capability_sets()}))
""")


@pytest.mark.skipif(not NEEDED <= available_layers(), reason="this kernel lacks Landlock or seccomp")
def test_kernel_layers_hold_without_the_audit_hooks(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    master, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, str(workdir), str(REPO_ROOT), str(terminal)],
                                capture_output=True, text=True, pass_fds=(terminal,), cwd=workdir, timeout=120,
                                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, start_new_session=True)
        assert result.returncode == 0, result.stderr[-3000:]
        outcome = json.loads(result.stdout)
        os.set_blocking(master, False)
        try:
            typed = os.read(master, 100)
        except BlockingIOError:
            typed = b""
    finally:
        os.close(master)
        os.close(terminal)
    assert outcome["allowed"] == [], f"the kernel layers let these through: {outcome['allowed']}"
    assert outcome["works"] == ["its own folder works", "True"]
    assert typed == b"", "keystrokes reached the terminal"
    status = outcome["status"]
    assert status["NoNewPrivs"] == 1
    assert status["CapEff"] == status["CapPrm"] == status["CapInh"] == status["CapAmb"] == 0, status
    if os.geteuid() == 0:
        assert status["CapBnd"] == 0, status
    assert {"capabilities", "landlock", "seccomp"} <= set(outcome["layers"])
