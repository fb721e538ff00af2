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


def _read(source: str):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade_id": "vae_loss"}})])
    return extract_definitions(notebook)


@pytest.mark.parametrize("line", [
    "reconstruction_function = nn.BCELoss(reduction='sum')",
    "reconstruction_function = nn.BCELoss(size_average=False)",
    "to_tensor = T.Compose([T.ToTensor(), T.Lambda(lambda x: x.view(-1)), T.Normalize(MEAN, MEAN)])",
    "ACTIVATIONS = {'relu': nn.ReLU, 'tanh': torch.nn.Tanh}",
    "PIXELS, LATENT = 28 * 28, 20",
    "cpu = torch.device('cpu')",
    "torch.manual_seed(0)",
])
def test_helper_objects_and_seeds_are_kept(line):
    """Is a helper object built by an allowed constructor (through the cell's import aliases), a computed
    constant or a seeding call kept beside the definitions?"""
    source = f"import torch\nfrom torch import nn\nimport torchvision.transforms as T\nMEAN = (0.5,)\n{line}\n"
    definitions = _read(source)
    assert [s.source for s in definitions.statements][-1] == line and not definitions.dropped


@pytest.mark.parametrize(("line", "reason"), [
    ("loader = DataLoader(datasets.MNIST('.', download=True), batch_size=64)", "reads data"),
    ("state = torch.load('model.pt')", "reads data"),
    ("history = fit(model, loader)", "trains"),
    ("optimizer.step()", "trains"),
    ("model = VAE()", "runs code when the cell runs"),
    ("loss_fn = nn.BCELoss(weight=make_weights())", "runs code when the cell runs"),
    ("torch.manual_seed(int(input()))", "runs code when the cell runs"),
    ("nn.Linear.forward = lambda self, x: x", "runs code when the cell runs"),
])
def test_a_dropped_statement_is_named_with_its_reason(line, reason):
    """Is a statement that reads data, trains or runs other code dropped, and named with the reason?"""
    definitions = _read(f"import torch\nfrom torch import nn\n\ndef f():\n    return 1\n{line}\n")
    assert [s.names for s in definitions.statements] == [(), (), ("f",)]
    [dropped] = definitions.dropped
    assert dropped.line == 6 and dropped.text == line and reason in dropped.reason
    assert f"`{line}` (cell 0 (vae_loss), line 6) is not run by the grader" in dropped.message()


def test_an_unimported_or_undefined_callee_is_not_trusted():
    """Does a constructor name resolve only through the notebook's imports, so a local `nn` is not torch.nn?"""
    definitions = _read("class nn:\n    BCELoss = print\nx = nn.BCELoss('hi')\ny = undefined_name\n")
    assert [s.names for s in definitions.statements] == [("nn",)]
    assert [d.text for d in definitions.dropped] == ["x = nn.BCELoss('hi')", "y = undefined_name"]
