"""Two ways for checks to reach a submission: through the sandbox, or in this process.

``SandboxStudent`` is the grader's: student code runs in the worker. ``LocalStudent`` runs the
same probes in the current process on a namespace of definitions; it is for trusted code (the
reference solution in tests) and for a student checking their own work in their own notebook.
Both pass every result through the wire format, so a check sees the same values either way.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.framework.errors import Missing, StudentError, describe_local
from autograder.framework.seeds import check_seed, seed_all
from autograder.sandbox import probes, protocol

if TYPE_CHECKING:
    from autograder.sandbox.process import Sandbox


class SandboxStudent:
    """Probes run in the sandbox's worker, within the current check's deadline."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.data_dir = sandbox.data_dir
        self.deadline = float("inf")
        self.seed = 0

    def begin(self, check_id: str, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seed = check_seed(check_id)

    def probe(self, name: str, *args: Any) -> Any:
        remaining = max(0.05, self.deadline - time.monotonic())
        return self.sandbox.probe(name, *args, seconds=remaining, seed=self.seed)


class LocalStudent:
    """Probes run here, on definitions already loaded into ``namespace``."""

    def __init__(self, namespace: dict[str, Any], data_dir: Path) -> None:
        self.namespace = namespace
        self.data_dir = data_dir
        self.seed = 0

    def begin(self, check_id: str, seconds: float) -> None:
        self.seed = check_seed(check_id)

    def probe(self, name: str, *args: Any) -> Any:
        args = protocol.loads(protocol.dumps({"args": list(args)}))["args"]
        seed_all(self.seed)
        try:
            result = probes.PROBES[name](self.namespace, *args)
        except probes.MissingDefinition as missing:
            raise Missing(str(missing)) from None
        except Exception as error:  # noqa: BLE001 (reported like the worker does)
            raise StudentError(describe_local(error)) from error
        return protocol.loads(protocol.dumps({"ok": result}))["ok"]
