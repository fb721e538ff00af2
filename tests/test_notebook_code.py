"""Definition extraction: valid Python is never changed; IPython syntax is dropped by logical line."""
from __future__ import annotations

import time

import nbformat
import pytest

from vae_course.notebook_code import extract_definitions


def _kept(source: str) -> list[tuple[int, str]]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    definitions = extract_definitions(notebook)
    assert not definitions.problems, definitions.problems
    return [(s.line, s.source) for s in definitions.statements]


@pytest.mark.parametrize("source", [
    "def f(a):\n    std = a  # is this the std?\n    return std",
    'def f(a):\n    """Is this the std?"""\n    return a',
    "def f(a, b):\n    return (a\n            % b\n            != 0)",
    "def f(a, b):\n    return (\n        a\n        % b\n    )",
    "def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2",
    "def f(s):\n    return s == '!' or s.endswith('?')",
])
def test_valid_python_is_kept_unchanged(source):
    """Is every line of a definition that parses kept exactly, whatever it ends or starts with?"""
    assert _kept(source) == [(1, source)]


def test_crlf_line_endings_read_as_python_does():
    """Does a cell saved with Windows line endings keep its definitions and line numbers?"""
    assert _kept("import math\r\n\r\ndef f():\r\n    return 1  # ok?\r\n") == [
        (1, "import math"), (3, "def f():\n    return 1  # ok?")]


def test_ipython_lines_beside_definitions_are_dropped():
    """Are %magic, !shell, x = !cmd, obj? and %%cell-magic lines dropped and the rest kept at their lines?"""
    source = ("%%time\n%matplotlib inline\n!pip install torch \\\n    torchvision\nfiles = !ls\n"
              "def f(a):\n    return (a\n% 2)\nf?\ntorch.randn_like??\n")
    assert _kept(source) == [(6, "def f(a):\n    return (a\n% 2)")]


def test_a_simple_statement_keeps_only_itself():
    """Does `import os; os.system(...)` keep the import without the call beside it?"""
    assert _kept("import os; os.system('echo hi')\nx = 3; train()") == [(1, "import os"), (2, "x = 3")]


def test_a_real_syntax_error_is_reported():
    """Does a cell that is neither Python nor IPython syntax give a problem naming the line?"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%ls\ndef f(:\n    pass")])
    problems = extract_definitions(notebook).problems
    assert len(problems) == 1 and "line 2" in problems[0].message


@pytest.mark.parametrize("source", [" " * 10**6 + "?", "!ls\n" * 200_000, "f?\n" * 200_000,
                                    "(\n" * 200_000 + "%", '"""' + "a\n" * 300_000 + "!"])
def test_reading_is_linear_in_the_cell(source):
    """Do megabyte cells of IPython syntax, open brackets or open strings read in well under a few seconds?"""
    started = time.monotonic()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    extract_definitions(notebook)
    assert time.monotonic() - started < 5
