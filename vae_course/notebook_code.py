"""Take the graded definitions out of a notebook without running its other cells.

Grading must not re-run training, and a submission must be graded on what it defines, not on
what its cells happen to do. So only top-level ``import``s, ``def``s, ``class``es (decorators
included), assignments of literal constants and of helper objects built by the constructors of
``SAFE_CALLS`` (a loss module, a transform, a device), and the seeding calls of ``SEED_CALLS`` are
kept, in notebook order (a later definition replaces an earlier one, as it would in the kernel).
Everything else, training loops, data reading and plots included, is dropped, and each dropped
statement is recorded with the reason, so the student can be told which line the grader did not
take. A cell is read as Python first; only a cell that does not parse has IPython's own
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
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for statement in self.statements for name in statement.names]


# Calls whose result a graded cell may keep beside its definitions: objects built from settings alone, which
# read no data and train nothing. Matched on the full dotted name the notebook's imports give (``nn.BCELoss``
# after ``from torch import nn`` is ``torch.nn.BCELoss``); a name ending in ``.`` covers its module.
SAFE_CALLS = ("torch.nn.", "torchvision.transforms.", "math.", "torch.device", "torch.tensor", "torch.zeros",
              "torch.ones", "torch.full", "torch.arange", "torch.linspace", "torch.eye", "functools.partial",
              "collections.namedtuple", "pathlib.Path", "dict", "list", "tuple", "set", "frozenset", "range")
SEED_CALLS = ("torch.manual_seed", "random.seed", "numpy.random.seed")  # kept as statements of their own
# What the grader names when it drops a statement: calls that read data or train, by the last part of their name.
READS_DATA = ("DataLoader", "open", "load", "read_image", "ImageFolder", "CIFAR10", "MNIST", "FashionMNIST",
              "make_cifar10_loaders", "FFHQDataset", "Subset", "random_split")
TRAINS = ("backward", "step", "zero_grad", "fit", "fit_resumable", "train_epoch", "train")


@dataclass(frozen=True)
class Dropped:
    """A top-level statement of a cell that the grader does not run, and why, for the student."""

    cell: int
    grade_id: str | None
    line: int
    text: str
    names: tuple[str, ...]
    reason: str

    def message(self, where: str | None = None) -> str:
        """The note for the student; ``where`` names the cell (default: its number and grade id)."""
        where = where or f"cell {self.cell} ({self.grade_id or 'no grade id'})"
        return f"`{self.text}` ({where}, line {self.line}) is not run by the grader: it {self.reason}."


def _is_literal(node: ast.expr | None) -> bool:
    try:
        ast.literal_eval(node)  # type: ignore[arg-type]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _resolved(node: ast.expr, imports: dict[str, str]) -> str | None:
    """The full dotted name of a callee through the notebook's imports (``nn.Linear`` -> ``torch.nn.Linear``)."""
    dotted = _dotted(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    full = imports.get(head, head)
    return f"{full}.{rest}" if rest else full


def _allowed(name: str | None, allowed: tuple[str, ...]) -> bool:
    return name is not None and any(name.startswith(a) if a.endswith(".") else name == a for a in allowed)


def _is_safe(node: ast.expr, imports: dict[str, str]) -> bool:
    """Literals, names the notebook has defined or imported and their attributes, arithmetic, containers,
    lambdas and ``SAFE_CALLS``: what a statement kept beside the definitions may be built of.

    ``imports`` holds every name kept so far (an import maps to its module, a definition to itself).
    """
    if _is_literal(node) or isinstance(node, ast.Lambda):
        return True
    if isinstance(node, (ast.Name, ast.Attribute)):
        dotted = _dotted(node)
        return dotted is not None and dotted.split(".")[0] in imports
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_safe(e, imports) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_safe(k, imports) for k in node.keys) and all(
            _is_safe(v, imports) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _is_safe(node.left, imports) and _is_safe(node.right, imports)
    if isinstance(node, ast.UnaryOp):
        return _is_safe(node.operand, imports)
    if isinstance(node, ast.Call):
        return (_allowed(_resolved(node.func, imports), SAFE_CALLS)
                and all(not isinstance(a, ast.Starred) and _is_safe(a, imports) for a in node.args)
                and all(k.arg is not None and _is_safe(k.value, imports) for k in node.keywords))
    return False


def _kept(statement: ast.stmt, imports: dict[str, str]) -> bool:
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, ast.Assign):
        return all(_plain_target(t) for t in statement.targets) and _is_safe(statement.value, imports)
    if isinstance(statement, ast.AnnAssign):
        return (isinstance(statement.target, ast.Name) and statement.value is not None
                and _is_safe(statement.value, imports))
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        return (_allowed(_resolved(call.func, imports), SEED_CALLS) and not call.keywords
                and all(_is_safe(a, imports) for a in call.args))
    return False


def _plain_target(target: ast.expr) -> bool:
    """``x`` or ``x, y``: names only, never an attribute or an item of something else."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(isinstance(e, ast.Name) for e in target.elts)
    return isinstance(target, ast.Name)


def _note_imports(statement: ast.stmt, imports: dict[str, str]) -> None:
    """Record what each imported name stands for, so that callees resolve to full dotted names, and
    each defined name as itself (a later kept statement may use it)."""
    for name in _defined_names(statement):
        imports[name] = name
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                imports[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                imports[head] = head
    elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
        for alias in statement.names:
            imports[alias.asname or alias.name] = f"{statement.module}.{alias.name}"


def _defined_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        return [n.id for t in statement.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    return []


def _bound_names(statement: ast.stmt) -> tuple[str, ...]:
    """The names a dropped statement would have bound (``x = ...``, ``for x in ...``, ``with ... as x``)."""
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
        return tuple(n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return ()


def _why_dropped(statement: ast.stmt) -> str:
    called = {(_dotted(n.func) or "").rsplit(".", 1)[-1] for n in ast.walk(statement) if isinstance(n, ast.Call)}
    if called & set(READS_DATA):
        return "reads data (the grader gives your functions their data): build it inside a function"
    if called & set(TRAINS):
        return "trains (the grader never trains): only definitions are graded"
    return ("runs code when the cell runs (the grader keeps imports, definitions, constants, objects built by "
            "torch.nn, torchvision.transforms and similar constructors, and torch.manual_seed): move it into the "
            "function that needs it")


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
    """The kept statements of every code cell, in notebook order, and the statements dropped."""
    result = Definitions()
    imports: dict[str, str] = {}  # kept name -> what it was imported as (or itself), for _is_safe
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
            first, text = _statement_text(lines, node)
            if _kept(node, imports):
                _note_imports(node, imports)
                result.statements.append(Statement(index, grade_id, first, text, tuple(_defined_names(node))))
            else:
                shown = text.split("\n")[0] + (" ..." if "\n" in text else "")
                result.dropped.append(Dropped(index, grade_id, first, shown[:120], _bound_names(node),
                                              _why_dropped(node)))
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
