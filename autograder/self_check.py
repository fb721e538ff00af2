"""The one-line self-check students run in their notebook after each part.

It runs the *public* checks of one part in the student's own kernel (their code, their process)
on what the grader would take from the cells the kernel has run: each cell's source is read by
the grader's own extraction (``vae_course.notebook_code``) and its kept statements run one by
one in a fresh namespace, as the grader's worker runs them, so a part that passes here is judged
on the same definitions when graded. It prints what passed, the points and the feedback, every
line of the part's cell that the grader does not run, and any name the part needs that only a
dropped line defines; then it names the hidden checks that grading adds, with their points, so
that a full public score never looks like a full grade. Nothing here imports POSIX-only modules
(of the sandbox, only the probes and the wire format, which are plain torch): the setup cell must
import on Windows and macOS too.

It stays at the top of the package, not under ``reports/`` or ``running/``: every notebook's setup
cell, the student bundle and nbgrader's kernel import it as ``autograder.self_check``, and it is
the highest layer, using the framework, the assignment, running and reports alike.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from autograder.assignment.parts import the_assignment
from autograder.assignment.graded_checks import load_checks
from autograder.framework.errors import describe_local
from autograder.reports.render import counted, part_lines, points, score_of
from autograder.framework.results import CheckResult, blocked_parts, run_check
from autograder.running.students import LocalStudent

UNDEFINED = re.compile(r"name '(\w+)' is not defined")


class SelfCheckFailed(AssertionError):
    """A public check failed while ``nbgrader validate`` runs the notebook: its test cells must raise to count."""


def _kernel_cells(namespace: dict[str, Any]) -> list[str] | None:
    """The raw source of every cell this IPython kernel has run, by execution count, when ``namespace`` is its
    globals; None elsewhere (plain Python, a test passing its own definitions)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "user_ns", None) is not namespace:
        return None
    return list(shell.history_manager.input_hist_raw)


def graded_namespace(cells: list[str]):  # noqa: ANN201 (namespace, Definitions, load errors)
    """The cells as the grader takes them: extracted, then each kept statement run on its own in a new
    namespace (one that raises costs only its names, as in the worker)."""
    import nbformat

    from vae_course.notebook_code import extract_definitions

    definitions = extract_definitions(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]))
    namespace: dict[str, Any] = {"__name__": "submission"}
    errors = []
    for statement in definitions.statements:
        try:
            exec(statement.compile(), namespace)  # noqa: S102 (the student's own code, in her own kernel)
        except Exception as error:  # noqa: BLE001 (reported as the grader reports it)
            info = describe_local(error)
            errors.append({"filename": f"<In [{statement.cell}]>", "names": list(statement.names),
                           "type": info["type"], "message": info["message"] + info["where"]})
    return namespace, definitions, errors


def _what_the_grader_drops(part: str, definitions, results: list[CheckResult]) -> list[str]:
    """Each line of the part's cell that the grader does not run, and the dropped line behind each name the
    part's code found undefined."""
    cell = max((s.cell for s in definitions.statements if part in s.names), default=None)
    notes = [d.message(f"In [{d.cell}]") for d in definitions.dropped if d.cell == cell]
    for name in dict.fromkeys(m for r in results for m in UNDEFINED.findall(r.message)):
        where = [d for d in definitions.dropped if name in d.names]
        if not where:
            notes.append(f"`{name}` is used by your code, but no line the grader runs defines it.")
        elif where[-1].cell != cell:
            notes.append(where[-1].message(f"In [{where[-1].cell}]"))
    return notes


def self_check(part: str, namespace: dict[str, Any]) -> None:
    """Print the public checks of ``part`` run on what the grader takes from this kernel's cells (pass
    ``globals()``); outside IPython, on ``namespace`` itself."""
    declared = the_assignment().part(part)
    checks = [c for c in load_checks(include_hidden=False) if c.part == part]
    cells = _kernel_cells(namespace)
    definitions, blocked, defined = None, {}, set(namespace)
    if cells is not None:
        namespace, definitions, errors = graded_namespace(cells)
        blocked, defined = blocked_parts(definitions, errors), set(definitions.names)
    with tempfile.TemporaryDirectory() as data_dir:
        student = LocalStudent(namespace, Path(data_dir))
        results = [run_check(check, student, defined, blocked) for check in checks]
    print("\n".join(part_lines(results)))
    if definitions is not None:
        for note in _what_the_grader_drops(part, definitions, results):
            print(f"Note: {note}")
    print(f"public checks of {part}: {score_of(results)} points, of {points(declared.points)} for this part.")
    hidden = the_assignment().hidden_checks.get(part, ())
    if hidden:
        names = ", ".join(f"{name} ({points(p)})" for name, p in hidden)
        print(f"At grading, {counted(len(hidden), 'hidden check')} worth {counted(sum(p for _, p in hidden), 'point')} "
              f"also run{'s' if len(hidden) == 1 else ''} on inputs you do not see: {names}.")
    failed = [r for r in results if r.score < r.points]
    if failed and os.environ.get("NBGRADER_VALIDATING"):  # set by nbgrader validate and the Validate button
        raise SelfCheckFailed(f"{counted(len(failed), 'public check')} of {part} failed (see above)")
