"""Are the values the public checks compare with what the grader's own specification computes now?"""
from __future__ import annotations

from typing import Any

import pytest
import torch

from autograder.hidden.recordings import all_recordings
from autograder.assignment.recorded import FOLDER, recorded

RECORDINGS = all_recordings()


def assert_same(stored: Any, fresh: Any, where: str) -> None:
    """Equal structure and values; tensors equal up to float32 rounding on the tensor's own scale: another CPU sums
    in another order (AVX-512 against AVX2 kernels), which moves a value near 0 by the rounding of its largest terms."""
    if isinstance(fresh, torch.Tensor):
        assert isinstance(stored, torch.Tensor) and stored.shape == fresh.shape and stored.dtype == fresh.dtype, where
        scale = max(1.0, float(fresh.abs().max())) if fresh.numel() else 1.0
        worst = float((stored.double() - fresh.double()).abs().max()) if fresh.numel() else 0.0
        assert worst <= 1e-5 * scale, f"{where} differs by {worst:.3g} (scale {scale:.3g})"
    elif isinstance(fresh, dict):
        assert isinstance(stored, dict) and list(stored) == list(fresh), where
        for key in fresh:
            assert_same(stored[key], fresh[key], f"{where}[{key!r}]")
    elif isinstance(fresh, (list, tuple)):
        assert isinstance(stored, list) and len(stored) == len(fresh), where
        for index, (a, b) in enumerate(zip(stored, fresh)):
            assert_same(a, b, f"{where}[{index}]")
    else:
        assert stored == pytest.approx(fresh, rel=1e-6) if isinstance(fresh, float) else stored == fresh, where


def test_the_recorded_folder_holds_exactly_the_registered_recordings():
    """Is every registered recording stored, and nothing else (run `python -m autograder record`)?"""
    assert sorted(p.stem for p in FOLDER.glob("*.json")) == sorted(RECORDINGS)


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_a_recorded_value_is_what_the_specification_computes(name):
    """Does the stored value equal a fresh computation (run `python -m autograder record` after a change)?"""
    assert_same(recorded(name), RECORDINGS[name](), name)


def test_a_missing_recording_says_how_to_make_it():
    with pytest.raises(FileNotFoundError, match="python -m autograder record"):
        recorded("no such recording")
