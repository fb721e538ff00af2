"""Do the autograder's packages import only downwards, in the order a reader meets them?

Lowest first: the check framework (and the grader's small VAE, which the sandbox lends), the
sandbox that runs student code, the assignment (its parts, index, fixtures, recorded values,
bundles), the public checks, the hidden checks, running a grading, the reports, and at the top
the student's self-check and the command line. A module may import its own layer and the
layers below it, never one above; and no two packages import each other, even within a layer.
The scan reads every import at any depth (``tests/import_scan.py``), so a
lazy import inside a function counts. The check packages are found by name at run time
(``framework.registry.registered_checks``) and the grading kernel is told by its configuration
what to preload: data, not imports, so they are not edges here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from import_scan import imported_modules

AUTOGRADER = Path(__file__).resolve().parents[2] / "autograder"
LAYERS: tuple[tuple[str, ...], ...] = (
    ("autograder.framework", "autograder.tiny_vae"),
    ("autograder.sandbox",),
    ("autograder.assignment",),
    ("autograder.checks",),
    ("autograder.hidden",),
    ("autograder.running",),
    ("autograder.reports",),
    ("autograder.self_check", "autograder.__main__"),
)


def module_name(path: Path, package: Path) -> str:
    """``autograder.running.lane`` for ``<package>/running/lane.py``; a package's ``__init__`` is the package."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str | None:
    """The declared package or top-level module that holds ``module``; ``None`` when no layer declares it."""
    units = [unit for layer in LAYERS for unit in layer if module == unit or module.startswith(unit + ".")]
    return max(units, key=len, default=None)


def layer_of(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def edges(package: Path) -> dict[str, set[tuple[str, str]]]:
    """Each module of ``package`` and the (unit, imported module) pairs of its imports of the grader."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        name = module_name(path, package)
        if name == "autograder":
            continue  # the package's docstring
        found[name] = {(unit_of(m) or m, m) for m in imported_modules(path) if m.split(".")[0] == "autograder"}
    return found


def violations(package: Path) -> list[str]:
    """Modules in no layer, imports of a higher layer, and circles between packages."""
    problems, graph = [], {}
    for module, imports in edges(package).items():
        unit = unit_of(module)
        if unit is None:
            problems.append(f"{module} is in no layer: add it to LAYERS")
            continue
        for imported_unit, imported in sorted(imports):
            if unit_of(imported) is None:
                problems.append(f"{module} imports {imported}, which is in no layer")
            elif layer_of(imported_unit) > layer_of(unit):
                problems.append(f"{module} imports {imported}, a higher layer")
            elif imported_unit != unit:
                graph.setdefault(unit, set()).add(imported_unit)
    problems += [f"circle between packages: {' -> '.join(circle)}" for circle in circles(graph)]
    return problems


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles a depth-first walk of ``graph`` meets, each as the path that closes it."""
    found, done = [], set()

    def walk(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for following in sorted(graph.get(node, ())):
            walk(following, path + [node])
        done.add(node)

    for node in sorted(graph):
        walk(node, [])
    return found


def test_every_import_goes_down_and_no_packages_import_each_other():
    assert violations(AUTOGRADER) == []


def test_no_relative_imports_hide_from_the_scan():
    """``imported_modules`` reads absolute imports only: a relative one would be an edge the test cannot see."""
    relative = [str(path.relative_to(AUTOGRADER.parent)) for path in AUTOGRADER.rglob("*.py")
                if any(isinstance(node, ast.ImportFrom) and node.level
                       for node in ast.walk(ast.parse(path.read_text(), filename=str(path))))]
    assert relative == []


def _plant(root: Path, files: dict[str, str]) -> Path:
    package = root / "autograder"
    for name, source in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return package


def test_the_scan_sees_an_upward_import_inside_a_function(tmp_path):
    """Would the framework importing the grading, lazily, be found, so that the test's silence means something?"""
    package = _plant(tmp_path, {"framework/results.py": "def run():\n    from autograder.running.grading import grade\n",
                                "running/grading.py": "from autograder.framework.results import run\n"})
    assert violations(package) == ["autograder.framework.results imports autograder.running.grading, a higher layer"]


def test_the_scan_sees_a_circle_within_a_layer_and_an_undeclared_module(tmp_path):
    package = _plant(tmp_path, {"framework/text.py": "import autograder.tiny_vae\n",
                                "tiny_vae.py": "from autograder.framework.text import shorten\n",
                                "helpers.py": "import autograder.framework.text\n"})
    assert violations(package) == [
        "autograder.helpers is in no layer: add it to LAYERS",
        "circle between packages: autograder.framework -> autograder.tiny_vae -> autograder.framework",
    ]


def named_paths() -> list[tuple[str, Path]]:
    """Every ``autograder/...`` path the README names, and every file or folder of the module table of
    ``autograder/README.md`` (its rows start with paths relative to ``autograder/``)."""
    readme, own = AUTOGRADER.parent / "README.md", AUTOGRADER / "README.md"
    named = [(f"README.md: {p}", AUTOGRADER.parent / p)
             for p in re.findall(r"`(autograder/[\w./-]*)`", readme.read_text(encoding="utf-8"))]
    for row in re.findall(r"^\| (`[^|]*)\|", own.read_text(encoding="utf-8"), re.M):
        named += [(f"autograder/README.md: {p}", AUTOGRADER / p) for p in re.findall(r"`([\w./-]+(?:\.py|/))`", row)]
    return named


def test_the_module_maps_name_only_what_exists():
    """The README's module map and autograder/README.md's table follow the tree (the names are read, not typed here)."""
    assert len(named_paths()) > 40
    assert [name for name, path in named_paths() if not path.exists()] == []
