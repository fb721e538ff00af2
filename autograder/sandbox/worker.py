"""The only process that runs student code. Forked by the worker zygote (``zygote``) for ``sandbox.Sandbox``.

It reads requests as JSON lines on its request descriptor and answers on its answer descriptor.
Anything the student's code prints goes to /dev/null, so it cannot reach the grader, the report
or the terminal. It runs each kept statement of the notebook separately, so one that
fails costs only the names it defines. Before it runs any, it locks itself to its allow-list
(``_confine``).
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any, BinaryIO

from autograder.framework.seeds import seed_all
from autograder.framework.text import shorten


def _student_location(error: BaseException) -> str:
    """The last place in the student's cells that the error passed through."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell ")]
    if not frames:
        return ""
    frame = frames[-1]
    return f" ({frame.filename.strip('<>')}, line {frame.lineno}, in {frame.name})"


def describe(error: BaseException) -> dict[str, str]:
    """An error as short text a student can act on."""
    return {"type": type(error).__name__, "message": shorten(str(error), 300), "where": _student_location(error)}


def _send(channel: BinaryIO, message: dict[str, Any]) -> None:
    from autograder.sandbox import protocol

    try:
        data = protocol.dumps(message)
    except (protocol.ProtocolError, ValueError, TypeError, RecursionError) as error:
        data = protocol.dumps({"id": message.get("id"), "error": describe(error)})
    channel.write(data)
    channel.flush()


def preload() -> None:
    """Import what probes and student code need before the guard closes ctypes and writes."""
    import matplotlib.pyplot  # noqa: F401
    import PIL.Image  # noqa: F401
    import torchvision.datasets  # noqa: F401
    import torchvision.transforms  # noqa: F401

    import vae_course.data.cifar10  # noqa: F401
    from autograder.sandbox.confine import seccomp

    if seccomp.available():
        seccomp.library()  # finding libseccomp runs ldconfig: once here (in the zygote), not in each worker


def _confine(channel: BinaryIO, data_dir: Path) -> None:
    """Lock this process to its allow-list (``confine``), or tell the grader it could not and leave.

    Readable: Python, this copy of the grader's public modules (nothing else is in its folder),
    the fixture data and the working directory; writable: the working directory.
    """
    from autograder.sandbox import confine

    code = Path(__file__).resolve().parents[2]
    allowed = confine.Allowed(Path.cwd(), (*confine.python_installation(), code, data_dir))
    try:
        layers = confine.install(allowed)
    except confine.ConfinementFailed as failure:
        _send(channel, {"id": None, "unconfined": str(failure)})
        os._exit(70)
    _send(channel, {"id": None, "confined": layers})


def serve(requests: BinaryIO, channel: BinaryIO, data_dir: Path) -> None:
    import torch

    from autograder.sandbox import probes, protocol

    torch.set_num_threads(1)
    preload()
    _confine(channel, data_dir)
    namespace: dict[str, Any] = {"__name__": "submission"}
    for line in requests:
        request = protocol.loads(line)
        if request.get("op") == "load":
            errors = []
            for statement in request["statements"]:
                try:
                    code = compile("\n" * (statement["line"] - 1) + statement["source"], statement["filename"], "exec")
                    exec(code, namespace)  # noqa: S102 (this process exists to run student code)
                except BaseException as error:  # noqa: BLE001 (SystemExit and KeyboardInterrupt included)
                    errors.append({"filename": statement["filename"], "names": statement["names"], **describe(error)})
            _send(channel, {"id": request["id"], "ok": {"errors": errors}})
            continue
        _send(channel, {"id": request["id"], "started": True})  # so the grader knows this request reached us
        seed_all(int(request.get("seed", 0)))
        try:
            result = probes.PROBES[request["probe"]](namespace, *request.get("args", []))
        except probes.MissingDefinition as missing:
            _send(channel, {"id": request["id"], "missing": str(missing)})
        except BaseException as error:  # noqa: BLE001
            _send(channel, {"id": request["id"], "error": describe(error)})
        else:
            _send(channel, {"id": request["id"], "ok": result})
