"""The mistake corpus: does each mistake lose exactly its part's points, with feedback that names it?"""
from __future__ import annotations

import contextlib

import pytest

from autograder.framework.registry import REGISTRY
from autograder.hidden.key import graders_inputs
from autograder.assignment.graded_checks import load_checks
from autograder.running.grading import run_check
from autograder.running.students import LocalStudent
from mistakes import MISTAKES
from variants import edited_definitions


def _grade_locally(namespace, tmp_path):
    """Every check on definitions loaded in this process (the sandbox is tested elsewhere)."""
    student = LocalStudent(namespace, tmp_path)
    return {c.id: run_check(c, student, set(namespace), {}) for c in load_checks()}


def test_corpus_is_large_and_catches_every_check():
    """Are there at least 25 mistakes, and does every check catch at least one of them?"""
    assert len(MISTAKES) >= 25
    assert {check for m in MISTAKES for check in m.loses} == {c.id for c in load_checks()}


KEYS = {"published": contextlib.nullcontext, "graders": graders_inputs}  # the self-check's inputs, the grader's


@pytest.mark.parametrize("key", KEYS)
def test_reference_gets_every_point(reference, tmp_path, key):
    """Does the unedited reference pass every check in this process too, on the published inputs and the grader's?"""
    with KEYS[key]():
        results = _grade_locally(dict(reference), tmp_path)
    assert all(r.score == r.points for r in results.values()), {i: r.message for i, r in results.items() if r.score < r.points}


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_loses_its_checks_and_keeps_the_rest(mistake, tmp_path):
    """Do the named checks give 0 with the named feedback, while every other part keeps its points?"""
    results = _grade_locally(edited_definitions(tmp_path, *mistake.edits), tmp_path)
    for check_id in mistake.loses:
        assert results[check_id].score == 0, f"{check_id} gave points to: {mistake.name}"
    assert any(mistake.feedback in results[c].message for c in mistake.loses), [results[c].message for c in mistake.loses]
    touched = {REGISTRY[c].part for c in mistake.loses}
    kept = {i: r.message for i, r in results.items() if r.part not in touched and r.score < r.points}
    assert not kept, f"{mistake.name} cost points in untouched parts: {kept}"
    if mistake.exact:
        lost = {i for i, r in results.items() if r.score < r.points}
        assert lost == set(mistake.loses), f"{mistake.name} is one omission; it lost {sorted(lost)}"


def _public_verdicts(folder) -> dict[str, dict[str, bool]]:
    """Per mistake: whether each public check of the parts it touches passes, under the current key."""
    public = [c for c in load_checks() if not c.hidden]
    verdicts = {}
    for index, mistake in enumerate(MISTAKES):
        place = folder / str(index)
        place.mkdir(parents=True)
        namespace = edited_definitions(place, *mistake.edits)
        student = LocalStudent(namespace, place)
        parts = {REGISTRY[c].part for c in mistake.loses}
        verdicts[mistake.name] = {c.id: run_check(c, student, set(namespace), {}).score == c.points
                                  for c in public if c.part in parts}
    return verdicts


def test_public_checks_catch_at_least_90_percent_of_the_mistakes_on_any_inputs(tmp_path, capsys):
    """Does a public check of its part fail for at least 90 % of the mistakes, so that the self-check warns the student,
    and does each public check say the same on the grader's own inputs as on the published ones (the self-check's)?"""
    published = _public_verdicts(tmp_path / "published")
    with graders_inputs():
        graders = _public_verdicts(tmp_path / "graders")
    assert graders == published, {m: (published[m], graders[m]) for m in published if graders[m] != published[m]}
    missed = [name for name, verdicts in published.items() if all(verdicts.values())]
    caught = 1 - len(missed) / len(MISTAKES)
    with capsys.disabled():
        print(f"\npublic self-checks catch {caught:.0%} of {len(MISTAKES)} mistakes; missed: {missed or 'none'}")
    assert caught >= 0.9, missed
