"""Does the reference notebook run top to bottom in a real kernel, in fast mode, offline?"""
from __future__ import annotations

import re

import pytest

from course_tools.course_build import SOLUTIONS
from course_tools.run_notebook import execute_notebook

REFERENCE_NOTEBOOK = SOLUTIONS / "vae" / "vae.ipynb"

FIGURES = ["cifar10_samples.png", "cifar10_loss.png", "ffhq_samples.png", "ffhq_loss.png"]
PLOTS_CALL = re.compile(r"^\s*(plots\.save_\w+|plt\.show)\(", re.MULTILINE)  # a cell that draws, not one that mentions it
# The evidence the answers graded by a person are read from: shown inline and saved.
EVIDENCE_FIGURES = {"comparison-experiment": "comparison_reconstructions.png",
                    "interpolation-vs-crossfade": "interpolation_vs_crossfade.png",
                    "samples-vs-reconstructions": "ffhq_samples_vs_reconstructions.png",
                    "beta-sweep-run": "beta_sweep.png"}


@pytest.mark.slow
def test_reference_notebook_runs_in_fast_mode(tmp_path):
    """Does every cell run, say which stand-in data it used, save every figure and show it inline?"""
    notebook = execute_notebook(REFERENCE_NOTEBOOK, tmp_path, data_dir=tmp_path / "data", timeout=300)
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "fast mode: True" in printed
    shown_values = "".join(o.get("data", {}).get("text/plain", "") for c in notebook.cells if c.cell_type == "code"
                           for o in c.outputs)
    assert "PosixPath(" not in shown_values and "WindowsPath(" not in shown_values
    assert re.search(r"each epoch [\d,]+ images drawn from [\d,]+ training faces", printed)
    assert "not the real CIFAR-10 dataset" in printed and "not the real FFHQ dataset" in printed
    for name in FIGURES + list(EVIDENCE_FIGURES.values()):
        figure = tmp_path / "figures" / name
        assert figure.exists() and figure.stat().st_size > 1000, name
    plotting = [c for c in notebook.cells if c.cell_type == "code" and PLOTS_CALL.search(c.source)]
    assert plotting, "no cell of the notebook plots"
    for cell in plotting:
        shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert shown, f"this plotting cell shows no figure inline:\n{cell.source[:300]}"
    cells = {c.get("id"): c for c in notebook.cells}
    for cell_id, name in EVIDENCE_FIGURES.items():
        shown = [o for o in cells[cell_id].outputs if "image/png" in o.get("data", {})]
        assert len(shown) == 1, f"{cell_id} should show {name} inline"
    table = _printed(cells["comparison-experiment"]).splitlines()
    header = next(i for i, line in enumerate(table) if line.startswith("model") and "bits/dim" in line)
    assert "above floor bits/dim" in table[header] and "floor nats/img" in table[header]
    rows = table[header + 2:header + 5]  # fast mode is offline: the stand-ins, labelled as such
    assert rows[0].startswith("VAE (fully connected)") and "MNIST stand-in" in rows[0]
    assert rows[1].startswith("VAE (fully connected)") and "CIFAR-10 stand-in" in rows[1]
    assert rows[2].startswith("ConvVAE") and "CIFAR-10 stand-in" in rows[2]
    floors = [float(row.split()[-2]) for row in rows]  # floor bits/dim: the data's, not the model's
    assert floors[0] < floors[1] == floors[2]
    sweep = _printed(cells["beta-sweep-run"])
    assert "active units" in sweep and all(f"\n{beta:>6}" in sweep for beta in ("0", "0.1", "1", "4"))


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
