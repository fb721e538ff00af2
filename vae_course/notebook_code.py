"""Take the graded definitions out of a notebook without running its other cells.

Grading must not re-run training, and a submission must be graded on what it defines, not on
what its cells happen to do. So only top-level ``import``s, ``def``s, ``class``es and
assignments of literal constants are kept, in notebook order (a later definition replaces an
earlier one, as it would in the kernel). Everything else, training loops and plots included,
is dropped. A cell that does not parse is reported, not fatal: its definitions are missing.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# The names of the graded API contract, in the order the notebook introduces them.
GRADED_NAMES = (
    "make_cifar10_loaders",
    "reparameterize",
    "vae_loss",
    "ConvVAE",
    "VAE",
    "interpolate",
    "FFHQDataset",
    "sample_images",
    "train_epoch",
)


@dataclass(frozen=True)
class CellProblem:
    """A code cell that could not be read, said in words a student can act on."""

    cell: int
    grade_id: str | None
    message: str


@dataclass(frozen=True)
class Statement:
    """One kept top-level statement and where it came from."""

    cell: int
    grade_id: str | None
    line: int
    source: str
    names: tuple[str, ...]

    @property
    def filename(self) -> str:
        """Shown in tracebacks, so a student can find the cell."""
        return f"<cell {self.cell} ({self.grade_id or 'no grade id'})>"

    def compile(self):  # noqa: ANN201 (a code object)
        """Compiled with the cell's own line numbers."""
        return compile("\n" * (self.line - 1) + self.source, self.filename, "exec")


@dataclass
class Definitions:
    """The kept statements of a notebook, in order, and the cells that could not be read."""

    statements: list[Statement] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for statement in self.statements for name in statement.names]


def _is_literal(node: ast.expr | None) -> bool:
    try:
        ast.literal_eval(node)  # type: ignore[arg-type]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _kept(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, ast.Assign):
        return all(isinstance(t, ast.Name) for t in statement.targets) and _is_literal(statement.value)
    if isinstance(statement, ast.AnnAssign):
        return isinstance(statement.target, ast.Name) and statement.value is not None and _is_literal(statement.value)
    return False


def _defined_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    return []


def _is_magic(line: str) -> bool:
    """``%magic``, ``!shell`` or ``obj?``: string tests, linear in the line (a regex was quadratic)."""
    return line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?")


def _without_magics(source: str) -> str:
    """IPython-only lines (``%timeit``, ``!pip``, ``obj?``) become blank, keeping line numbers."""
    return "\n".join("" if _is_magic(line) else line for line in source.splitlines())


def extract_definitions(notebook: nbformat.NotebookNode) -> Definitions:
    """The kept statements of every code cell, in notebook order."""
    result = Definitions()
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        source = _without_magics(cell.get("source", ""))
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            where = f"line {error.lineno}" if error.lineno else "somewhere"
            result.problems.append(CellProblem(index, grade_id, f"syntax error at {where}: {error.msg}"))
            continue
        except (ValueError, RecursionError, MemoryError) as error:
            result.problems.append(CellProblem(index, grade_id, f"cannot be read: {error}"))
            continue
        lines = source.splitlines()
        for node in tree.body:
            if _kept(node):
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                text = "\n".join(lines[first - 1:node.end_lineno])
                result.statements.append(Statement(index, grade_id, first, text, tuple(_defined_names(node))))
    return result


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read and validate a version-4 notebook, with a clear error for anything else."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text (byte {error.start}); save it again from Jupyter") from error
    try:
        notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as error:  # nbformat raises several unrelated types for unreadable JSON
        raise ValueError(f"{path} is not a Jupyter notebook: {error}") from error
    if notebook.get("nbformat") != 4:
        raise ValueError(f"{path} is nbformat {notebook.get('nbformat')}; save it as a version 4 notebook")
    return notebook


def load_definitions(path: str | Path) -> dict[str, object]:
    """Run the definitions of a *trusted* notebook (the reference solution) in this process.

    Never call this on a student's notebook: the autograder runs those in a separate,
    limited process.
    """
    definitions = extract_definitions(read_notebook(path))
    if definitions.problems:
        raise ValueError(f"{path}: " + "; ".join(f"cell {p.cell}: {p.message}" for p in definitions.problems))
    namespace: dict[str, object] = {"__name__": f"notebook:{Path(path).name}"}
    for statement in definitions.statements:
        exec(statement.compile(), namespace)  # noqa: S102 (trusted notebook only)
    return namespace
