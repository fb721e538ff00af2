"""The Jupyter kernel of the opt-in re-execution under ``nbgrader autograde``: ipykernel, confined like the worker.

By default ``nbgrader autograde`` executes nothing (``nbgrader_config.py``); an instructor who sets
``VAE_COURSE_AUTOGRADE_EXECUTE=1`` gets a fast-mode smoke run of each submission through ``ExecuteWithinLimits``.
``ConfinedKernelManager`` starts that kernel through ``main`` instead of ipykernel's own launcher, from a fresh
read-only copy of the public modules, in an empty working folder of its own (not the submission's, not in the
course), with an allow-list environment (``KERNEL_ENVIRONMENT``: nothing of the instructor's shell). ``main``
imports what the notebook needs while it still may (torchvision's operators load through ctypes, hypothesis sets
``__code__`` as it imports), sets the memory, CPU and file-size limits, lets ipykernel bind its ZMQ sockets on
loopback, then installs the confinement before the first cell runs: the kernel reads only Python, that copy and its
folder; it writes only in that folder; it starts no process, opens no socket and binds or connects nothing (it only
serves the sockets it already has); it holds no privileges. A ``FolderWatch``, in nbgrader's process, kills the
kernel once its folder holds too much or the notebook has run out of time, and ``ExecuteWithinLimits`` notices the
dead kernel at once, says why in the cell it stopped at, and leaves the rest of the notebook unexecuted.
"""
from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, List, Unicode

if TYPE_CHECKING:  # imported when a kernel starts: the kernel's own launch (``main``) needs none of it
    from autograder.sandbox.process import FolderWatch

# The kernel's first lines: the copy of the public modules first on sys.path, in place of the working directory.
KERNEL_LAUNCH = "import sys; sys.path[0] = sys.argv[-1]; from autograder.sandbox.grading_kernel import main; main()"
# All the kernel keeps of nbgrader's environment (fast mode comes from NBGRADER_EXECUTION); main adds its own.
KERNEL_ENVIRONMENT = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
                      "JPY_PARENT_PID")  # the kernel ends with its parent


class ConfinedKernelManager(AsyncKernelManager):
    """Starts each kernel through ``main``, with a copy of the public modules and a working folder made for it and
    removed after, within the limits below (set them as ``c.ConfinedKernelManager.<name>`` or on the command line)."""

    memory_bytes = Integer(6 << 30, help="the kernel's address space").tag(config=True)
    cpu_seconds = Integer(600, help="the kernel's CPU time").tag(config=True)
    file_bytes = Integer(128 << 20, help="one file the kernel writes (the face model's checkpoint: 62 MB)").tag(
        config=True)
    folder_bytes = Integer(512 << 20, help="all the kernel writes, together").tag(config=True)
    folder_files = Integer(10_000, help="files and folders the kernel makes, together").tag(config=True)
    notebook_seconds = Float(600.0, help="wall-clock time for the whole notebook, from the kernel's start").tag(
        config=True)
    preload = List(Unicode(), ["autograder.self_check", "autograder.checks", "autograder.assignment.index"],
                   help="modules the notebook imports (a package with its modules), imported before the kernel "
                        "confines itself; named, not imported here: the sandbox sits below them").tag(config=True)

    _code: Path | None = None
    watch: FolderWatch | None = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        from autograder.sandbox.process import copy_worker_code

        command = super().format_kernel_cmd(extra_arguments)
        connection = command[command.index("-f") + 1]
        self._remove_code()
        self._code = Path(tempfile.mkdtemp(prefix="vae-kernel-code-"))
        (self._code / "home").mkdir()  # IPython's and matplotlib's settings while the kernel starts
        (self._code / "work").mkdir()  # the kernel's working folder, the only one it may write
        copy_worker_code(self._code / "modules")
        self._code.chmod(0o755)
        limits = {"memory_bytes": self.memory_bytes, "cpu_seconds": self.cpu_seconds, "file_bytes": self.file_bytes,
                  "preload": list(self.preload)}
        return [sys.executable, "-c", KERNEL_LAUNCH, "-f", connection, json.dumps(limits), str(self._code / "modules")]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """Launch in the kernel's own folder with the allow-list environment, then watch it."""
        assert self._code is not None
        kw["cwd"] = str(self._code / "work")
        kept = {name: os.environ[name] for name in KERNEL_ENVIRONMENT if name in os.environ}
        kw["env"] = {"PATH": os.defpath, **kept}
        await super()._async_launch_kernel(kernel_cmd, **kw)
        from autograder.sandbox.process import FolderWatch

        self.watch = FolderWatch(self._code / "work", (self.folder_bytes, self.folder_files), self.kill_now,
                                 writer="the notebook", place="its folder", seconds=self.notebook_seconds)

    def kill_now(self) -> None:
        """Kill the kernel process from any thread (the watch's); never raises."""
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except OSError:
                pass

    def _remove_code(self) -> None:
        if self.watch is not None:
            self.watch.close()
        if self._code is not None:
            from autograder.sandbox.process import _remove

            _remove(self._code)
            self._code = None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        self._remove_code()

    cleanup_resources = _async_cleanup_resources  # as AsyncKernelManager names it


class ExecuteWithinLimits(Execute):
    """nbgrader's ``Execute`` in the confined kernel; a kernel that dies (a limit, a crash) stops the run at once.

    The cell it died in gets an error output that says why; the cells after it are left unexecuted, and the
    notebook goes on to grading instead of failing the student's whole autograde.
    """

    timeout = Integer(300, allow_none=True, help="seconds per cell; fast-mode training cells take seconds").tag(
        config=True)
    _stopped: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", ConfinedKernelManager)  # nbgrader's Execute would set its own
        super().__init__(*args, **kwargs)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        self._stopped = None
        try:
            return super().preprocess(nb, resources, km)
        except DeadKernelError:  # raised again as the kernel is cleaned up, once a cell has been marked
            if self._stopped is None:
                raise
            return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if self._stopped is not None:
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            watch = getattr(self.km, "watch", None)
            self._stopped = (watch and watch.ended) or "the kernel died (out of memory or CPU time, or a crash)"
            note = f"Not graded from here: the re-execution stopped: {self._stopped}; later cells were not run."
            cell.outputs.append(new_output("error", ename="KernelStopped", evalue=note, traceback=[note]))
            return cell, resources


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


def _preload(modules: list[str]) -> None:
    """Import now what the notebook imports and the guard would refuse later: torchvision's operators (loaded
    through ctypes), matplotlib's font cache (written), and ``modules`` with every module of a package among them
    (the self-check and the public checks: hypothesis sets ``__code__`` as they import)."""
    import importlib
    import pkgutil

    import matplotlib.pyplot  # noqa: F401
    import PIL.Image  # noqa: F401
    import torch  # noqa: F401
    import torchvision.datasets  # noqa: F401
    import torchvision.transforms.functional  # noqa: F401

    for name in modules:
        module = importlib.import_module(name)
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            importlib.import_module(f"{name}.{info.name}")


def _limit(limits: dict[str, int]) -> None:
    """The kernel's own limits: memory, CPU time, one file's size, no core files."""
    for name, key in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_CPU", "cpu_seconds"), ("RLIMIT_FSIZE", "file_bytes")):
        resource.setrlimit(getattr(resource, name), (limits[key], limits[key]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    """Start ipykernel on the connection file, confined and limited before it runs anything a notebook sends."""
    from autograder.sandbox import confine

    connection, limits, modules = sys.argv[2], json.loads(sys.argv[3]), Path(sys.argv[4])
    folder, home = Path.cwd().resolve(), modules.parent / "home"
    installation = [p.resolve() for p in confine.python_installation()]
    sys.path[1:] = [entry for entry in sys.path[1:] if not _outside_python(entry, installation)]
    parent = int(os.environ.get("JPY_PARENT_PID") or 0)  # read before the environment is cleared: the kernel ends
    for name in [name for name in os.environ if name.startswith(("PYTHON", "JUPYTER", "JPY_"))]:
        del os.environ[name]
    os.environ.update({"PYTHONPATH": str(modules), "HOME": str(home), "IPYTHONDIR": str(home / "ipython"),
                       "MPLCONFIGDIR": str(home / "matplotlib"), "TMPDIR": str(folder), "MPLBACKEND": "Agg",
                       "OMP_NUM_THREADS": "1"})
    _preload(limits["preload"])
    from ipykernel.kernelapp import IPKernelApp
    from zmq.utils.garbage import gc as zero_copy_messages

    zero_copy_messages.start()  # pyzmq's thread for large messages (a figure): its context, threads and socket
    zero_copy_messages._push_socket  # noqa: B018  (made on first use) are made now, while the kernel still may

    asyncio.set_event_loop(asyncio.new_event_loop())  # its self-pipe is a socket pair: made now, while it may be
    app = IPKernelApp.instance(kernel_class=_childless_kernel(), parent_handle=parent)  # with nbgrader, no banner
    app.initialize(["-f", connection, "--HistoryManager.enabled=False"])
    _limit(limits)
    try:
        confine.install(confine.Allowed(folder, (*installation, modules, home)), serving=True)
    except confine.ConfinementFailed as failure:
        print(f"the grading kernel could not confine itself, so it runs nothing: {failure}", file=sys.__stderr__)
        os._exit(70)
    app.start()
