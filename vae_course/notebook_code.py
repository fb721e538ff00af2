"""Take the graded definitions out of a notebook without running its other cells.

Grading must not re-run training, and a submission must be graded on what it defines, not on
what its cells happen to do. So only top-level ``import``s, ``def``s, ``class``es and
assignments of literal constants are kept, in notebook order (a later definition replaces an
earlier one, as it would in the kernel). Everything else, training loops and plots included,
is dropped. A cell is read as Python first; only a cell that does not parse has IPython's own
syntax (``%magic``, ``!shell``, ``obj?``) blanked, by logical line, so valid Python is never
changed. A cell that still does not parse is reported, not fatal: its definitions are missing.
Reading is linear in the cell's length, so no submission can stall the grader here.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

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


@dataclass
class _LogicalLine:
    """One logical line of a cell: its physical lines and the last character outside strings and comments."""

    first: int
    last: int
    last_code: str = ""
    magic: bool = False  # starts with IPython's ``%`` or ``!``

    @property
    def is_ipython(self) -> bool:
        """A magic, a shell command, or a help request (``obj?``): nothing Python can run."""
        return self.magic or self.last_code == "?"


def _logical_lines(lines: list[str]) -> list[_LogicalLine]:
    """Group physical lines into logical lines, as Python's tokenizer would, in one pass over the text.

    A logical line continues while a bracket or a triple-quoted string is open or a line ends in a
    backslash. A logical line that starts with ``%`` or ``!`` is IPython's (shell or magic
    syntax, not Python), so it ends at its line (or its backslash continuations) without being
    read as Python.
    """
    result: list[_LogicalLine] = []
    depth, quote, current = 0, "", None
    for number, line in enumerate(lines):
        if current is None:
            current = _LogicalLine(number, number)
            if line.lstrip().startswith(("%", "!")) or _assigns_magic(line):
                current.magic = True
                if line.endswith("\\"):
                    continue
                result.append(current)
                current = None
                continue
        current.last = number
        if current.magic:  # continued with a backslash
            if not line.endswith("\\"):
                result.append(current)
                current = None
            continue
        i, n, backslash = 0, len(line), False
        while i < n:
            char = line[i]
            if quote:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(quote, i):
                    i += len(quote)
                    quote = ""
                    current.last_code = char
                    continue
                i += 1
                continue
            if char == "#":
                break
            if char == "\\" and i == n - 1:
                backslash = True
                break
            if char in "\"'":
                quote = char * 3 if line.startswith(char * 3, i) else char
                i += len(quote)
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(0, depth - 1)
            if not char.isspace():
                current.last_code = char
            i += 1
        if quote and len(quote) == 1 and i == n:
            quote = ""  # a single-quoted string ends with its line unless a backslash escapes the newline
        continued = depth > 0 or quote or backslash
        if not continued:
            result.append(current)
            current = None
    if current is not None:
        result.append(current)
    return result


def _assigns_magic(line: str) -> bool:
    """``x = !ls`` or ``a, b = %sx ...``: names, one ``=``, then IPython syntax."""
    target, equals, value = line.partition("=")
    if not equals or not target.strip():
        return False
    plain_names = all(char.isidentifier() or char.isdigit() or char in " ,.\t" for char in target)
    return plain_names and value.lstrip().startswith(("!", "%"))


def _without_ipython_syntax(source: str) -> str:
    """The cell with IPython-only logical lines blanked: ``%magic``, ``!shell``, ``x = !cmd`` and ``obj?``.

    Only used on a cell that does not parse as Python, so valid Python is never changed; blanking
    keeps every other line at its line number.
    """
    lines = source.split("\n")
    for logical in _logical_lines(lines):
        if logical.is_ipython:
            for number in range(logical.first, logical.last + 1):
                lines[number] = ""
    return "\n".join(lines)


def _parse_cell(source: str) -> tuple[str, ast.Module]:
    """The cell's source as Python reads it, and its tree; IPython syntax removed only if needed."""
    try:
        return source, ast.parse(source)
    except SyntaxError:
        stripped = _without_ipython_syntax(source)
        if stripped == source:
            raise
        return stripped, ast.parse(stripped)


def _statement_text(lines: list[str], node: ast.stmt) -> tuple[int, str]:
    """The first line and the text of a top-level statement.

    A compound statement (``def``, ``class``) owns its whole lines, decorators included. A simple
    one (``import``, an assignment) is cut at its columns, so ``import os; os.system(...)`` keeps
    the import alone. Columns count UTF-8 bytes, as ``ast`` does.
    """
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        return first, "\n".join(lines[first - 1:node.end_lineno])
    end_line, end_col = node.end_lineno or node.lineno, node.end_col_offset or 0
    chunk = [line.encode() for line in lines[node.lineno - 1:end_line]]
    chunk[-1] = chunk[-1][:end_col]
    chunk[0] = chunk[0][node.col_offset:]
    return node.lineno, b"\n".join(chunk).decode()


def extract_definitions(notebook: nbformat.NotebookNode) -> Definitions:
    """The kept statements of every code cell, in notebook order."""
    result = Definitions()
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        source = cell.get("source", "").replace("\r\n", "\n").replace("\r", "\n")  # as compile() reads lines
        try:
            source, tree = _parse_cell(source)
        except SyntaxError as error:
            where = f"line {error.lineno}" if error.lineno else "somewhere"
            result.problems.append(CellProblem(index, grade_id, f"syntax error at {where}: {error.msg}"))
            continue
        except (ValueError, RecursionError, MemoryError) as error:
            result.problems.append(CellProblem(index, grade_id, f"cannot be read: {error}"))
            continue
        lines = source.split("\n")
        for node in tree.body:
            if _kept(node):
                first, text = _statement_text(lines, node)
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
