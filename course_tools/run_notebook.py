"""Execute notebooks top to bottom with a real Jupyter kernel, as a student's would run."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_tools.course_build import REPO_ROOT, SOLUTIONS
from vae_course.settings import DATA_ENV, FAST_ENV

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # a kernel's own default; set in case the caller chose Agg


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the kernel, which inherits this process's environment."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute_notebook(path: str | Path, workdir: str | Path, data_dir: str | Path, fast: bool = True,
                     timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell of ``path`` in ``workdir`` (figures land there); raise on the first error."""
    notebook = nbformat.read(path, as_version=4)
    env = {
        FAST_ENV: "1" if fast else "0",
        DATA_ENV: str(Path(data_dir).resolve()),
        "MPLBACKEND": INLINE_BACKEND,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with _environment(env):
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}})
        client.execute()
    return notebook


def run_reference_notebooks(out: Path) -> None:
    """Execute every reference notebook in fast mode; figures go to ``out/<assignment>``."""
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        workdir = out / path.parent.name
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"running {path.relative_to(SOLUTIONS.parent)} in fast mode ...", flush=True)
        execute_notebook(path, workdir, data_dir=out / "data")
        figures = sorted(p.relative_to(out) for p in workdir.rglob("*.png"))
        print(f"  ok; figures: {', '.join(map(str, figures))}")
