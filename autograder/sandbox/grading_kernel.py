"""The Jupyter kernel ``nbgrader autograde`` runs a submission in: ipykernel, confined like the worker.

``ConfinedKernelManager`` (set in ``nbgrader_config.py``) starts every kernel through ``main``
instead of ipykernel's own launcher, from a fresh read-only copy of the public modules. ``main``
lets ipykernel bind its ZMQ sockets on loopback, then installs the confinement before the first cell
runs: the kernel reads only Python, that copy and the submission's folder; it writes only in
that folder; it starts no process, opens no socket and binds or connects nothing (it only
serves the sockets it already has); it holds no privileges. The kernel's sys.path and
environment do not name the repository.
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import KernelManager

# The kernel's first lines: the copy of the public modules first on sys.path, in place of the working directory.
KERNEL_LAUNCH = "import sys; sys.path[0] = sys.argv[-1]; from autograder.sandbox.grading_kernel import main; main()"


class ConfinedKernelManager(KernelManager):
    """Starts each kernel through ``main``, with a copy of the public modules made for it and removed after."""

    _code: Path | None = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        from autograder.sandbox.process import copy_worker_code

        command = super().format_kernel_cmd(extra_arguments)
        connection = command[command.index("-f") + 1]
        self._remove_code()
        self._code = Path(tempfile.mkdtemp(prefix="vae-kernel-code-"))
        (self._code / "home").mkdir()  # IPython's and matplotlib's settings while the kernel starts
        copy_worker_code(self._code / "modules")
        self._code.chmod(0o755)
        return [sys.executable, "-c", KERNEL_LAUNCH, "-f", connection, str(self._code / "modules")]

    def _remove_code(self) -> None:
        if self._code is not None:
            from autograder.sandbox.process import _remove

            _remove(self._code)
            self._code = None

    def cleanup_resources(self, restart: bool = False) -> None:
        super().cleanup_resources(restart)
        self._remove_code()


def _outside_python(entry: str, installation: list[Path]) -> bool:
    path = Path(entry or ".").resolve()
    return not any(path == root or root in path.parents for root in installation if root.is_dir())


def _childless_kernel() -> type:
    """ipykernel's kernel, without its search for child processes at shutdown.

    That search lists /proc, which the confinement refuses: every shutdown logged a PermissionError
    traceback. The confined kernel can start no process, so it has no child to look for.
    """
    from ipykernel.ipkernel import IPythonKernel

    class ChildlessKernel(IPythonKernel):
        def _process_children(self) -> list:  # ipykernel's name
            return []

    return ChildlessKernel


def main() -> None:
    """Start ipykernel on the connection file, confined before it runs anything a notebook sends."""
    from autograder.sandbox import confine

    connection, modules = sys.argv[2], Path(sys.argv[3])
    folder, home = Path.cwd().resolve(), modules.parent / "home"
    installation = [p.resolve() for p in confine.python_installation()]
    sys.path[1:] = [entry for entry in sys.path[1:] if not _outside_python(entry, installation)]
    parent = int(os.environ.get("JPY_PARENT_PID") or 0)  # read before the environment is cleared: the kernel ends
    for name in [name for name in os.environ if name.startswith(("PYTHON", "JUPYTER", "JPY_"))]:
        del os.environ[name]
    os.environ.update({"PYTHONPATH": str(modules), "HOME": str(home), "IPYTHONDIR": str(home / "ipython"),
                       "MPLCONFIGDIR": str(home / "matplotlib"), "TMPDIR": str(folder), "MPLBACKEND": "Agg"})
    import matplotlib.pyplot  # noqa: F401  (its font cache is written now, while it may be)
    import torch  # noqa: F401
    from ipykernel.kernelapp import IPKernelApp

    asyncio.set_event_loop(asyncio.new_event_loop())  # its self-pipe is a socket pair: made now, while it may be
    app = IPKernelApp.instance(kernel_class=_childless_kernel(), parent_handle=parent)  # with nbgrader, no banner
    app.initialize(["-f", connection, "--HistoryManager.enabled=False"])
    try:
        confine.install(confine.Allowed(folder, (*installation, modules, home)), serving=True)
    except confine.ConfinementFailed as failure:
        print(f"the grading kernel could not confine itself, so it runs nothing: {failure}", file=sys.__stderr__)
        os._exit(70)
    app.start()
