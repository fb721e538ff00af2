"""The whole notebook offline, as a student without internet runs it on a CPU: measured beside its promise.

Runs the reference solution top to bottom in a real Jupyter kernel at the CPU defaults (not fast mode),
offline (``VAE_COURSE_OFFLINE=1``: every dataset is its stand-in), on one thread (``OMP_NUM_THREADS=1``),
since the appendix states its times for one CPU core. Prints the kernel's CPU time (its own and its
children's, from ``getrusage``) and the wall time beside what the appendix promises for the offline run
(training images over the rates of its cost table: ``benchmarks.model_costs.whole_run_sentence``), with
their ratio, and the slowest cells. The figures it saved and the executed notebook are kept in ``--out``.

    PYTHONPATH=. python benchmarks/offline_notebook.py [--out DIR]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

from benchmarks.model_costs import cpu_run_seconds, cpu_runs, duration, rates_in_table, whole_run_sentence
from course_tools.run_notebook import execute_notebook
from vae_course.settings import OFFLINE_ENV, Settings
from vae_course.train.config import REFERENCE_NOTEBOOK

APPENDIX = "appendix-costs"
CELL_TIMEOUT_S = 3600


def promised_offline_seconds(notebook: nbformat.NotebookNode, course: Settings) -> float:
    """The offline time the appendix states, rebuilt from its table's rates (and checked to be the one it states)."""
    appendix = next(cell.source for cell in notebook.cells if cell.get("id") == APPENDIX)
    rates = {name: rate for name, rate in rates_in_table(appendix).items() if rate is not None}
    if whole_run_sentence(course, rates) not in appendix.replace("\n", " "):
        raise SystemExit(f"the appendix does not state: {whole_run_sentence(course, rates)!r}")
    return cpu_run_seconds(cpu_runs(course), rates)[1]


def cell_seconds(cell: nbformat.NotebookNode) -> float:
    """A code cell's wall time from the timing nbclient records in its metadata (0 if none)."""
    timing = cell.get("metadata", {}).get("execution", {})
    began, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (began and ended):
        return 0.0
    return (datetime.fromisoformat(ended.replace("Z", "+00:00"))
            - datetime.fromisoformat(began.replace("Z", "+00:00"))).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/offline_notebook"),
                        help="where the figures and the executed notebook go")
    args = parser.parse_args()
    course = Settings()
    promised = promised_offline_seconds(nbformat.read(REFERENCE_NOTEBOOK, as_version=4), course)
    os.environ.update({OFFLINE_ENV: "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    with tempfile.TemporaryDirectory() as work:
        before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        notebook = execute_notebook(REFERENCE_NOTEBOOK, work, data_dir=Path(work) / "data", fast=False,
                                    timeout=CELL_TIMEOUT_S)
        wall, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
        shutil.copytree(Path(work) / "figures", args.out, dirs_exist_ok=True)
    nbformat.write(notebook, args.out / "vae.ipynb")  # its printed tables, to read the figures with
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"the whole notebook at the CPU defaults, offline (the stand-ins), one thread ({course.epochs} epochs):")
    print(f"  measured {duration(cpu)} of CPU time ({duration(wall)} wall); the appendix promises "
          f"{duration(promised)} of one core's time for its training; ratio {cpu / promised:.2f}")
    slowest = sorted((c for c in notebook.cells if c.cell_type == "code"), key=cell_seconds, reverse=True)[:6]
    print("  slowest cells (wall): " + ", ".join(f"{c.get('id')} {duration(cell_seconds(c))}" for c in slowest))
    print(f"  figures: {args.out}")


if __name__ == "__main__":
    main()
