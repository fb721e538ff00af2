"""A small filesystem of its own for a test that fills a disk: a tmpfs in a mount namespace, never the machine's disk.

Only root can make one (``unshare -m``, ``mount -t tmpfs``); elsewhere such a test is skipped.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def run_on_small_disk(folder: Path, size: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``command`` with a tmpfs of ``size`` (``"64k"``, ``"300m"``) mounted at ``folder``, seen by it alone.

    The mount lives in a private mount namespace made for the command: it goes when the command ends.
    """
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a small disk of its own needs root (unshare -m, mount -t tmpfs)")
    folder.mkdir(parents=True, exist_ok=True)
    mount = f'mount -t tmpfs -o size={size},mode=0755 tmpfs "$0" && exec "$@"'
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", mount, str(folder), *command],
                          capture_output=True, text=True, **kwargs)
