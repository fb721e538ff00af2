"""Save a figure as PNG and, inside a Jupyter kernel, show that PNG inline too."""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

DPI = 120


class SavedFigure(type(Path())):
    """Where a figure was saved. As a cell's last value it reads ``saved figures/x.png``, not ``PosixPath(...)``."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's text display
        printer.text(f"saved {self}")


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (not a script, test or plain IPython shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def save_and_show(fig: Figure, path: str | Path) -> SavedFigure:
    """Write ``fig`` to ``path`` (folders created) and display the file in a notebook.

    Build figures with ``matplotlib.figure.Figure``, not pyplot, so no backend's own display
    shows them a second time and nothing stays open (``vae_course.plots`` closes its pyplot ones).
    """
    path = SavedFigure(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    if in_kernel():
        from IPython.display import Image, display

        display(Image(filename=str(path)))
    return path
