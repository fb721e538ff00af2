"""Shared fixtures: the reference solution's definitions, loaded once."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from vae_course.notebook_code import load_definitions

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_NOTEBOOK = REPO_ROOT / "solutions" / "vae" / "vae.ipynb"
STUDENT_NOTEBOOK = REPO_ROOT / "course" / "vae" / "vae.ipynb"


@pytest.fixture(scope="session")
def reference() -> dict[str, object]:
    """The graded definitions of the reference solution, by name."""
    return load_definitions(REFERENCE_NOTEBOOK)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Every test starts from the same random state."""
    torch.manual_seed(0)
