"""Are the values the public checks compare with what the grader's own specification computes now?"""
from __future__ import annotations

from typing import Any

import pytest
import torch

from autograder.assignment import recorded as recorded_module
from autograder.assignment.recorded import FOLDER, recorded
from autograder.framework.seeds import inputs_key
from autograder.hidden.key import graders_inputs
from autograder.hidden.recordings import all_recordings

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


def test_under_the_graders_key_the_values_are_computed_live_for_other_inputs():
    """Under the grader's key, is each value the specification's for the grader's inputs (not the recorded one),
    computed once and handed out as a copy a check cannot spoil for the next?"""
    with graders_inputs():
        for name in RECORDINGS:
            live = recorded(name)
            assert_same(live, RECORDINGS[name](), name)
            with pytest.raises(AssertionError):
                assert_same(live, recorded_module.protocol.loads((FOLDER / f"{name}.json").read_bytes())["value"], name)
        spoiled = recorded("vae.ends_in_sigmoid")
        spoiled[0]["decoded_pre"].zero_()
        assert recorded("vae.ends_in_sigmoid")[0]["decoded_pre"].abs().sum() > 0


def test_a_key_of_its_own_without_the_specification_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(recorded_module, "LIVE", {})
    with inputs_key(99), pytest.raises(LookupError, match="only the grader's specification"):
        recorded("vae.shapes")
