"""Does the reference notebook run top to bottom in a real kernel, in fast mode, offline?"""
from __future__ import annotations

import re

import pytest

from vae_course.course_build import SOLUTIONS
from vae_course.run_notebook import execute_notebook

REFERENCE_NOTEBOOK = SOLUTIONS / "vae" / "vae.ipynb"

FIGURES = ["cifar10_samples.png", "cifar10_reconstructions.png", "cifar10_loss.png", "cifar10_interpolation.png",
           "ffhq_samples.png", "ffhq_generated.png", "ffhq_loss.png"]
PLOTS_CALL = re.compile(r"^\s*(plots\.save_\w+|plt\.show)\(", re.MULTILINE)  # a cell that draws, not one that mentions it


@pytest.mark.slow
def test_reference_notebook_runs_in_fast_mode(tmp_path):
    """Does every cell run, say which stand-in data it used, save every figure and show it inline?"""
    notebook = execute_notebook(REFERENCE_NOTEBOOK, tmp_path, data_dir=tmp_path / "data", timeout=300)
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "fast mode: True" in printed
    assert "not the real CIFAR-10 dataset" in printed and "not the real FFHQ dataset" in printed
    for name in FIGURES:
        figure = tmp_path / "figures" / name
        assert figure.exists() and figure.stat().st_size > 1000, name
    plotting = [c for c in notebook.cells if c.cell_type == "code" and PLOTS_CALL.search(c.source)]
    assert plotting, "no cell of the notebook plots"
    for cell in plotting:
        shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert shown, f"this plotting cell shows no figure inline:\n{cell.source[:300]}"
